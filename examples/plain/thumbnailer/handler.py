"""S3-triggered thumbnailer: a 256px JPEG of each uploaded image, in another bucket."""
import io
import logging
import os
import urllib.parse

import boto3
from PIL import Image

logger = logging.getLogger()
logger.setLevel(logging.INFO)

s3 = boto3.client("s3")
THUMBNAIL_BUCKET = os.environ["THUMBNAIL_BUCKET"]
SIZE = (256, 256)


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        obj = s3.get_object(Bucket=bucket, Key=key)
        try:
            image = Image.open(io.BytesIO(obj["Body"].read()))
            image.thumbnail(SIZE)
        except OSError:
            logger.warning("not an image: s3://%s/%s", bucket, key)
            continue
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=85)
        s3.put_object(
            Bucket=THUMBNAIL_BUCKET,
            Key=f"thumbs/{key.rsplit('.', 1)[0]}.jpg",
            Body=out.getvalue(),
            ContentType="image/jpeg",
        )
