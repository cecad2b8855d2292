/**
 * Slack conversation references as configuration, annotations and the notifier
 * accept them. Conversation ids are a type letter and uppercase alphanumerics:
 * `C…` public channel, `G…` private channel or group DM, `D…` direct message.
 * Names are lowercase, up to 80 characters (Slack's own naming rule).
 */

const ID = "[CGD][A-Z0-9]{8,}";
const NAME = "[a-z0-9][a-z0-9._-]{0,79}";

/** A conversation id: `C0123ABCD`, `G0123ABCD` or `D0123ABCD`. */
export const SLACK_CHANNEL_ID = new RegExp(`^${ID}$`);

/** A channel name without its `#`. */
export const SLACK_CHANNEL_NAME = new RegExp(`^${NAME}$`);

/** What configuration accepts: an id, or a name with its `#` (`#oom-alerts`). */
export const SLACK_CHANNEL_REF = new RegExp(`^(?:#${NAME}|${ID})$`);

export function isSlackChannelId(value: string): boolean {
  return SLACK_CHANNEL_ID.test(value);
}
