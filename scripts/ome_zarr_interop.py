"""ome-zarr-py's side of tests/ome_zarr.rs (optional comparison script: needs ome-zarr,
ome-zarr-models, zarr 3 and numpy; nothing in chunkwise depends on it).

    python3 scripts/ome_zarr_interop.py read DIR
        validates DIR/ours.ome.zarr with ome-zarr-models, reads every level with ome-zarr-py
        and saves them as DIR/ours_<k>.npy, with the metadata it parsed in DIR/ours_meta.json
    python3 scripts/ome_zarr_interop.py write DIR
        writes DIR/theirs.ome.zarr with ome-zarr-py (3 levels of a u16 volume) and saves each
        level as DIR/theirs_<k>.npy
    python3 scripts/ome_zarr_interop.py labels DIR
        validates the labels group and label image "cells" of DIR/labelled.ome.zarr with
        ome-zarr-models, finds them with ome-zarr-py's reader and saves each label level as
        DIR/cells_<k>.npy, with the image-label metadata in DIR/cells_meta.json
"""
import json
import pathlib
import sys

import numpy as np
import zarr


def read(d):
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader
    from ome_zarr_models.v05.image import Image

    path = d / "ours.ome.zarr"
    # Raises on metadata that does not follow OME-NGFF 0.5.
    Image.from_zarr(zarr.open_group(str(path), mode="r"))
    node = list(Reader(parse_url(str(path)))())[0]
    for k, level in enumerate(node.data):
        np.save(d / f"ours_{k}.npy", np.asarray(level))
    meta = {
        "levels": len(node.data),
        "axes": node.metadata.get("axes"),
        "transforms": node.metadata.get("coordinateTransformations"),
    }
    (d / "ours_meta.json").write_text(json.dumps(meta))


def write(d):
    from ome_zarr.writer import write_image

    image = (np.indices((20, 48, 56)).sum(0) * 37 % 1000).astype("u2")
    root = zarr.open_group(str(d / "theirs.ome.zarr"), mode="w")
    write_image(image, root, scale_factors=[2, 4], axes="zyx", axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"})
    group = zarr.open_group(str(d / "theirs.ome.zarr"), mode="r")
    datasets = group.attrs["ome"]["multiscales"][0]["datasets"]
    for k, ds in enumerate(datasets):
        np.save(d / f"theirs_{k}.npy", np.asarray(group[ds["path"]]))


def labels(d):
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Label, Reader
    from ome_zarr_models.v05.image_label import ImageLabel
    from ome_zarr_models.v05.labels import Labels

    path = d / "labelled.ome.zarr"
    # Raise on metadata that does not follow OME-NGFF 0.5.
    Labels.from_zarr(zarr.open_group(str(path / "labels"), mode="r"))
    ImageLabel.from_zarr(zarr.open_group(str(path / "labels" / "cells"), mode="r"))
    # ome-zarr-py's reader finds the label image from the image and reads its levels.
    nodes = list(Reader(parse_url(str(path / "labels" / "cells")))())
    label = [n for n in nodes if n.load(Label)][0]
    for k, level in enumerate(label.data):
        np.save(d / f"cells_{k}.npy", np.asarray(level))
    group = zarr.open_group(str(path / "labels" / "cells"), mode="r")
    meta = {"levels": len(label.data), "image-label": group.attrs["ome"]["image-label"]}
    (d / "cells_meta.json").write_text(json.dumps(meta))


if __name__ == "__main__":
    {"read": read, "write": write, "labels": labels}[sys.argv[1]](pathlib.Path(sys.argv[2]))
