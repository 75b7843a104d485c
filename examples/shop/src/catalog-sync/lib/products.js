'use strict';

const BATCH = 25; // BatchWriteItem limit

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function batchWrite(docClient, table, requests) {
  for (let i = 0; i < requests.length; i += BATCH) {
    let pending = { [table]: requests.slice(i, i + BATCH) };
    for (let attempt = 0; pending && Object.keys(pending).length; attempt++) {
      if (attempt > 5) throw new Error(`unprocessed items left in ${table}`);
      if (attempt) await sleep(50 * 2 ** attempt);
      const out = await docClient.batchWrite({ RequestItems: pending }).promise();
      pending = out.UnprocessedItems;
    }
  }
}

function upsertProducts(docClient, table, products, batchId) {
  const puts = products.map((p) => ({
    PutRequest: { Item: { ...p, feed_batch: batchId, synced_at: new Date().toISOString() } },
  }));
  return batchWrite(docClient, table, puts).then(() => puts.length);
}

/** SKUs not touched by `batchId`: the supplier dropped them from the range. */
async function findStaleSkus(docClient, table, batchId) {
  const stale = [];
  let ExclusiveStartKey;
  do {
    const page = await docClient
      .scan({
        TableName: table,
        ProjectionExpression: 'sku',
        FilterExpression: 'feed_batch <> :b',
        ExpressionAttributeValues: { ':b': batchId },
        ExclusiveStartKey,
      })
      .promise();
    stale.push(...page.Items.map((i) => i.sku));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return stale;
}

function deleteProducts(docClient, table, skus) {
  const deletes = skus.map((sku) => ({ DeleteRequest: { Key: { sku } } }));
  return batchWrite(docClient, table, deletes).then(() => deletes.length);
}

module.exports = { upsertProducts, findStaleSkus, deleteProducts };
