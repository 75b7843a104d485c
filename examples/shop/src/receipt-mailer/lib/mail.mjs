const PROVIDER_URL = "https://api.postmarkapp.com/email";

/** Send one transactional mail through the provider's HTTP API. */
export async function sendMail({ apiToken, from, to, subject, html }) {
  const res = await fetch(PROVIDER_URL, {
    method: "POST",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-Postmark-Server-Token": apiToken,
    },
    body: JSON.stringify({
      From: from,
      To: to,
      Subject: subject,
      HtmlBody: html,
      MessageStream: "outbound",
    }),
    signal: AbortSignal.timeout(8000),
  });
  if (!res.ok) {
    const detail = await res.text();
    throw new Error(`mail provider answered ${res.status}: ${detail.slice(0, 200)}`);
  }
  const body = await res.json();
  return body.MessageID;
}
