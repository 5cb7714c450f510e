"""labelcore plugin: YOLO object detection pre-labels (ONNX Runtime) for Image + RectangleLabels.

Hookimpls only; the backend lives in ``model.py`` (settings in ``settings.py``), which tests import.
"""

from labelcore import MLBackendSpec, hookimpl

from labelcore_ml_yolo.model import YoloModel
from labelcore_ml_yolo.settings import YoloSettings


@hookimpl
def register_ml_backends():
    return [MLBackendSpec(id="yolo", title="YOLO object detection (ONNX)", settings_model=YoloSettings,
                          factory=YoloModel, can_train=True)]
