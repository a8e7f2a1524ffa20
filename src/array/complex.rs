//! Complex elements' parts: `re`, `im`, `conj`, `abs`, `arg`, as numpy's `real`, `imag`,
//! `conj`, `abs` and `angle`, each an elementwise map that fuses with its neighbours.

use num_complex::Complex;
use num_traits::Float;

use super::Array;
use crate::expr::block::Element;

impl<F: Float + Element> Array<Complex<F>> {
    /// The real parts, as numpy's `real`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, fft::Complex};
    /// let z = Array::from_ndarray(ndarray::array![Complex::new(1.0, 2.0), Complex::new(-3.0, 0.5)].into_dyn(), [1])?;
    /// assert_eq!(z.re().compute()?, ndarray::array![1.0, -3.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn re(&self) -> Array<F> {
        self.map_named("re", |z| z.re)
    }

    /// The imaginary parts, as numpy's `imag`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, fft::Complex};
    /// let z = Array::from_ndarray(ndarray::array![Complex::new(1.0, 2.0)].into_dyn(), [1])?;
    /// assert_eq!(z.im().compute()?, ndarray::array![2.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn im(&self) -> Array<F> {
        self.map_named("im", |z| z.im)
    }

    /// The complex conjugates, as numpy's `conj`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, fft::Complex};
    /// let z = Array::from_ndarray(ndarray::array![Complex::new(1.0, 2.0)].into_dyn(), [1])?;
    /// assert_eq!(z.conj().compute()?[[0]], Complex::new(1.0, -2.0));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn conj(&self) -> Array<Complex<F>> {
        self.map_named("conj", |z| z.conj())
    }

    /// The magnitudes `|z|`, as numpy's `abs` of a complex array (without overflow for large
    /// parts: `hypot`).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, fft::Complex};
    /// let z = Array::from_ndarray(ndarray::array![Complex::new(3.0, 4.0)].into_dyn(), [1])?;
    /// assert_eq!(z.abs().compute()?, ndarray::array![5.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn abs(&self) -> Array<F> {
        self.map_named("abs", |z| z.re.hypot(z.im))
    }

    /// The angles in radians, in `(-π, π]`, as numpy's `angle`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, fft::Complex};
    /// let z = Array::from_ndarray(ndarray::array![Complex::new(0.0, 2.0)].into_dyn(), [1])?;
    /// assert_eq!(z.arg().compute()?[[0]], std::f64::consts::FRAC_PI_2);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn arg(&self) -> Array<F> {
        self.map_named("arg", |z| z.im.atan2(z.re))
    }
}
