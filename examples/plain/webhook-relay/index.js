'use strict';

// Receives payment-provider webhooks (Lambda function URL), records each one
// and queues it for the billing service.
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');

const ddb = new DynamoDBClient({});
const sqs = new SQSClient({});
const AUDIT_TABLE = 'webhook-audit';

exports.handler = async (event) => {
  const body = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf-8')
    : event.body;
  let payload;
  try {
    payload = JSON.parse(body);
  } catch {
    return { statusCode: 400, body: 'invalid JSON' };
  }

  await ddb.send(new PutItemCommand({
    TableName: AUDIT_TABLE,
    Item: {
      event_id: { S: String(payload.id) },
      type: { S: String(payload.type) },
      received_at: { S: new Date().toISOString() },
    },
  }));
  await sqs.send(new SendMessageCommand({
    QueueUrl: process.env.BILLING_QUEUE_URL,
    MessageBody: body,
    MessageAttributes: { type: { DataType: 'String', StringValue: String(payload.type) } },
  }));
  return { statusCode: 202, body: '' };
};
