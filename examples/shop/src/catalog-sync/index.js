'use strict';

const AWS = require('aws-sdk');
const { listFeedObjects, readJson } = require('./lib/feed');
const { upsertProducts, findStaleSkus, deleteProducts } = require('./lib/products');

const s3 = new AWS.S3({ signatureVersion: 'v4' });
const docClient = new AWS.DynamoDB.DocumentClient({ convertEmptyValues: true });

const PRODUCTS_TABLE = process.env.PRODUCTS_TABLE;
const FEED_BUCKET = process.env.FEED_BUCKET;
const FEED_PREFIX = process.env.FEED_PREFIX || 'catalog/';

function log(level, msg, fields = {}) {
  console.log(JSON.stringify({ level, msg, ...fields }));
}

function normalise(raw) {
  if (!raw.sku || raw.price == null) return null;
  return {
    sku: String(raw.sku).trim().toUpperCase(),
    name: raw.title || raw.name || '',
    price: Math.round(Number(raw.price) * 100) / 100,
    currency: raw.currency || 'EUR',
    stock: Number.isFinite(raw.stock) ? raw.stock : 0,
    category: raw.category || 'uncategorised',
  };
}

/*
 * The supplier drops `manifest.json` plus one folder of JSON pages per batch.
 * Delta batches only upsert; a full batch (weekly) also removes the SKUs the
 * supplier no longer lists.
 */
exports.handler = async () => {
  const manifest = await readJson(s3, FEED_BUCKET, `${FEED_PREFIX}manifest.json`);
  const batchId = manifest.batch_id;
  const keys = await listFeedObjects(s3, FEED_BUCKET, `${FEED_PREFIX}${batchId}/`);
  log('info', 'feed batch', { batchId, mode: manifest.mode, pages: keys.length });

  let written = 0;
  let skipped = 0;
  for (const key of keys) {
    const page = await readJson(s3, FEED_BUCKET, key);
    const products = (page.items || []).map(normalise);
    skipped += products.filter((p) => p === null).length;
    written += await upsertProducts(docClient, PRODUCTS_TABLE, products.filter(Boolean), batchId);
  }

  let removed = 0;
  if (manifest.mode === 'full') {
    const stale = await findStaleSkus(docClient, PRODUCTS_TABLE, batchId);
    removed = await deleteProducts(docClient, PRODUCTS_TABLE, stale);
  }

  log('info', 'catalog synced', { batchId, written, skipped, removed });
  return { batchId, written, skipped, removed };
};
