import { S3Client, GetObjectCommand } from "@aws-sdk/client-s3";
import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

import { getMailerConfig } from "./lib/secrets.mjs";
import { sendMail } from "./lib/mail.mjs";

const s3 = new S3Client({});
const sns = new SNSClient({});

const { INVOICE_BUCKET, RECEIPT_TOPIC_ARN, MAILER_SECRET_NAME } = process.env;
// Presigned with the function's session credentials, so the link cannot
// outlive them anyway; keep it short and say so in the mail.
const LINK_TTL_SECONDS = Number(process.env.LINK_TTL_SECONDS ?? "3600");

const money = (amount, currency) =>
  new Intl.NumberFormat("en-IE", { style: "currency", currency }).format(Number(amount));

async function loadInvoice(key) {
  const res = await s3.send(new GetObjectCommand({ Bucket: INVOICE_BUCKET, Key: key }));
  return JSON.parse(await res.Body.transformToString("utf-8"));
}

async function downloadLink(key, invoiceNumber) {
  const command = new GetObjectCommand({
    Bucket: INVOICE_BUCKET,
    Key: key,
    ResponseContentDisposition: `attachment; filename="${invoiceNumber}.json"`,
  });
  return getSignedUrl(s3, command, { expiresIn: LINK_TTL_SECONDS });
}

async function mailReceipt(message) {
  const invoice = await loadInvoice(message.invoice_key);
  const to = message.customer_email ?? invoice.customer_email;
  if (!to) {
    console.warn(JSON.stringify({ msg: "no address on order", order_id: invoice.order_id }));
    return;
  }

  const [config, link] = await Promise.all([
    getMailerConfig(MAILER_SECRET_NAME),
    downloadLink(message.invoice_key, invoice.number),
  ]);

  const messageId = await sendMail({
    apiToken: config.api_token,
    from: config.from,
    to,
    subject: `Your receipt ${invoice.number}`,
    html: `<p>Thanks for your order. Total: <b>${money(invoice.total, invoice.currency)}</b>.</p>
<p><a href="${link}">Download your invoice</a> (link valid for ${LINK_TTL_SECONDS / 60} minutes).</p>`,
  });

  await sns.send(
    new PublishCommand({
      TopicArn: RECEIPT_TOPIC_ARN,
      Subject: "receipt.sent",
      Message: JSON.stringify({
        order_id: invoice.order_id,
        invoice_number: invoice.number,
        provider_message_id: messageId,
      }),
      MessageAttributes: {
        event_type: { DataType: "String", StringValue: "receipt.sent" },
      },
    }),
  );
}

export const handler = async (event) => {
  for (const record of event.Records) {
    const message = JSON.parse(record.Sns.Message);
    try {
      await mailReceipt(message);
    } catch (err) {
      console.error(JSON.stringify({ msg: "receipt failed", order_id: message.order_id, err: String(err) }));
      throw err; // SNS retries the delivery
    }
  }
};
