import {
  SecretsManagerClient,
  GetSecretValueCommand,
} from "@aws-sdk/client-secrets-manager";

const client = new SecretsManagerClient({});
const CACHE_MS = 10 * 60 * 1000;

let cached;
let fetchedAt = 0;

/**
 * Mail provider settings: { api_token, from }. Cached per execution
 * environment so a warm container does not hit Secrets Manager per message.
 */
export async function getMailerConfig(secretName) {
  if (cached && Date.now() - fetchedAt < CACHE_MS) {
    return cached;
  }
  const out = await client.send(
    new GetSecretValueCommand({ SecretId: secretName }),
  );
  if (!out.SecretString) {
    throw new Error(`secret ${secretName} has no SecretString`);
  }
  cached = JSON.parse(out.SecretString);
  fetchedAt = Date.now();
  return cached;
}
