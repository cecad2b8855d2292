/**
 * Redaction of log lines: bearer tokens, JWTs, key=value secrets, credentials in URLs, AWS keys,
 * Slack/GitHub tokens, PEM blocks. The forwarder applies it before a log tail leaves the cluster;
 * `oomwatch incidents show` and notify's thread apply it again when they show one (defence in
 * depth: a record written by an older forwarder, or edited by hand, must not leak a secret either).
 * Redacting a redacted line changes nothing. Over-redaction is fine; a leaked secret is not.
 */

const R = "[REDACTED]";

const RULES: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, R],
  [/\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${R}`],
  [/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, R],
  [
    /((?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|client[_-]?secret|credentials?|authorization|auth)["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi,
    `$1${R}`,
  ],
  [/(\/\/)[^/\s:@]+:[^/\s@]+@/g, `$1${R}@`],
  [/\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b/g, R],
  [/\bxox[abposr]-[A-Za-z0-9-]+/g, R],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, R],
  // 40-char base64 runs: the shape of an AWS secret access key.
  [/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, R],
];

export function redact(line: string): string {
  let out = line;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}
