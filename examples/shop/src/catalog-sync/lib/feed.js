'use strict';

/**
 * Every key under `prefix`, following ListObjectsV2 continuation tokens.
 */
async function listFeedObjects(s3, bucket, prefix) {
  const keys = [];
  let token;
  do {
    const page = await s3
      .listObjectsV2({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })
      .promise();
    for (const obj of page.Contents || []) {
      if (obj.Key.endsWith('.json')) keys.push(obj.Key);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

async function readJson(s3, bucket, key) {
  const obj = await s3.getObject({ Bucket: bucket, Key: key }).promise();
  try {
    return JSON.parse(obj.Body.toString('utf-8'));
  } catch (err) {
    throw new Error(`s3://${bucket}/${key} is not valid JSON: ${err.message}`);
  }
}

module.exports = { listFeedObjects, readJson };
