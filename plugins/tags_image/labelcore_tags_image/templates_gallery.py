"""Computer-vision templates for the project-creation gallery (Label Studio's gallery configs,
with sample data that needs no download: the preview's generated picture)."""

from __future__ import annotations

from labelcore import ConfigTemplateSpec

GROUP = "Computer Vision"
SAMPLE_IMAGE = {"image": "/ui/sample-image.png"}

IMAGE_TEMPLATES = [
    ConfigTemplateSpec(
        id="image-classification", group=GROUP, title="Image classification",
        description="Pick one class per image.",
        config="""<View>
  <Image name="image" value="$image"/>
  <Choices name="choice" toName="image" showInline="true">
    <Choice value="Circle"/>
    <Choice value="Square"/>
    <Choice value="Triangle"/>
    <Choice value="Other"/>
  </Choices>
</View>""",
        sample_data=SAMPLE_IMAGE,
    ),
    ConfigTemplateSpec(
        id="object-detection-bounding-boxes", group=GROUP, title="Object detection with bounding boxes",
        description="Draw labeled rectangles around objects.",
        config="""<View>
  <Image name="image" value="$image" zoom="true"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Circle" background="#e8590c"/>
    <Label value="Square" background="#1c7ed6"/>
    <Label value="Triangle" background="#2f9e44"/>
  </RectangleLabels>
</View>""",
        sample_data=SAMPLE_IMAGE,
    ),
    ConfigTemplateSpec(
        id="semantic-segmentation-polygons", group=GROUP, title="Semantic segmentation with polygons",
        description="Outline objects with labeled polygons.",
        config="""<View>
  <Header value="Select a label and click around the object's outline"/>
  <Image name="image" value="$image" zoom="true"/>
  <PolygonLabels name="label" toName="image" strokeWidth="3" pointSize="small" opacity="0.9">
    <Label value="Airplane" background="#d6336c"/>
    <Label value="Car" background="#1c7ed6"/>
  </PolygonLabels>
</View>""",
        sample_data=SAMPLE_IMAGE,
    ),
    ConfigTemplateSpec(
        id="semantic-segmentation-masks", group=GROUP, title="Semantic segmentation with masks",
        description="Paint pixel masks with a brush.",
        config="""<View>
  <Image name="image" value="$image" zoom="true"/>
  <BrushLabels name="tag" toName="image">
    <Label value="Airplane" background="rgba(255, 0, 0, 0.7)"/>
    <Label value="Car" background="rgba(0, 0, 255, 0.7)"/>
  </BrushLabels>
</View>""",
        sample_data=SAMPLE_IMAGE,
    ),
    ConfigTemplateSpec(
        id="keypoint-labeling", group=GROUP, title="Keypoint labeling",
        description="Place labeled points on landmarks.",
        config="""<View>
  <KeyPointLabels name="kp-1" toName="image">
    <Label value="Face" background="red"/>
    <Label value="Nose" background="green"/>
  </KeyPointLabels>
  <Image name="image" value="$image" zoom="true"/>
</View>""",
        sample_data=SAMPLE_IMAGE,
    ),
    ConfigTemplateSpec(
        id="optical-character-recognition", group=GROUP, title="Optical character recognition",
        description="Box text regions and transcribe each one.",
        config="""<View>
  <Image name="image" value="$ocr" zoom="true"/>
  <RectangleLabels name="bbox" toName="image" strokeWidth="3">
    <Label value="Text" background="green"/>
    <Label value="Handwriting" background="blue"/>
  </RectangleLabels>
  <TextArea name="transcription" toName="image" editable="true" perRegion="true" required="true"
            maxSubmissions="1" rows="5" placeholder="Recognized text" displayMode="region-list"/>
</View>""",
        sample_data={"ocr": "/ui/sample-image.png"},
    ),
]
