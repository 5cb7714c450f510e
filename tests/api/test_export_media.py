"""*_WITH_IMAGES exports read the tasks' uploaded images through labelcore's media folders."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib

CONFIG = """<View><Image name="image" value="$image"/>
<RectangleLabels name="box" toName="image"><Label value="Car"/></RectangleLabels></View>"""


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_coco_with_images_bundles_the_uploaded_image(server, http):
    project = http.post("/api/projects/", json={"title": "With images", "label_config": CONFIG}).json()
    folder = server.data_dir / "upload" / str(project["id"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "street.png").write_bytes(png(40, 20))
    box = {"id": "b1", "from_name": "box", "to_name": "image", "type": "rectanglelabels",
           "original_width": 40, "original_height": 20,
           "value": {"x": 25, "y": 50, "width": 50, "height": 25, "rotation": 0, "rectanglelabels": ["Car"]}}
    imported = http.post(f"/api/projects/{project['id']}/import", json=[
        {"data": {"image": f"/data/upload/{project['id']}/street.png"}, "annotations": [{"result": [box]}]}])
    assert imported.status_code == 201, imported.text

    response = http.get(f"/api/projects/{project['id']}/export", params={"exportType": "COCO_WITH_IMAGES"})

    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        images = [name for name in archive.namelist() if name.startswith("images/") and not name.endswith("/")]
        assert len(images) == 1 and images[0].endswith("street.png")
        assert archive.read(images[0]) == png(40, 20)
        [annotation] = json.loads(archive.read("result.json"))["annotations"]
    assert annotation["bbox"] == [10.0, 10.0, 20.0, 5.0]
