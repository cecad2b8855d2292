/** Slack's permalink path: `/archives/C…/p` + the ts without its dot. The sink's chat.getPermalink
 * answers with it and the Slack view routes it, so a stored permalink opens in the view. */
export function permalinkPath(channel: string, ts: string): string {
  return `/archives/${channel}/p${ts.replace(".", "")}`;
}
