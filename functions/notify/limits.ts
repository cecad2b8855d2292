/**
 * Slack's Block Kit and message limits (https://docs.slack.dev/reference/block-kit/blocks),
 * and a last-line guard that makes any block list fit them. Message builders
 * stay well inside on their own; the guard keeps a surprise input from turning
 * into `invalid_blocks` at 3 a.m.
 */
import type { KnownBlock } from "@slack/web-api";

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  blockId: 255,
  imageUrl: 3000,
  altText: 2000,
  actionsElements: 25,
  buttonText: 75,
  /** `text` of chat.postMessage; longer is `msg_too_long`. */
  messageText: 40_000,
} as const;

/** Cuts mrkdwn to `max` characters without leaving an entity or a code fence open. */
export function cutMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 5);
  cut = cut.replace(/&[a-z]{0,4}$/, ""); // never half an entity
  const fences = (cut.match(/```/g) ?? []).length;
  return fences % 2 === 1 ? `${cut}…\n\`\`\`` : `${cut}…`;
}

function fitText<T extends { text: string }>(t: T, max: number): T {
  return t.text.length > max ? { ...t, text: cutMrkdwn(t.text, max) } : t;
}

function fitBlock(block: KnownBlock): KnownBlock {
  switch (block.type) {
    case "header":
      return { ...block, text: fitText(block.text, SLACK_LIMITS.headerText) };
    case "section":
      return {
        ...block,
        ...(block.text ? { text: fitText(block.text, SLACK_LIMITS.sectionText) } : {}),
        ...(block.fields ? { fields: block.fields.slice(0, SLACK_LIMITS.sectionFields).map((f) => fitText(f, SLACK_LIMITS.fieldText)) } : {}),
      };
    case "context":
      return {
        ...block,
        elements: block.elements.slice(0, SLACK_LIMITS.contextElements).map((e) => ("text" in e && typeof e.text === "string" ? fitText(e, SLACK_LIMITS.sectionText) : e)),
      };
    default:
      return block;
  }
}

/** Every block within its limits; at most 50 blocks, the last one saying what was left out. */
export function fitBlocks(blocks: KnownBlock[]): KnownBlock[] {
  const fitted = blocks.map(fitBlock);
  if (fitted.length <= SLACK_LIMITS.blocks) return fitted;
  const kept = fitted.slice(0, SLACK_LIMITS.blocks - 1);
  const dropped = fitted.length - kept.length;
  return [...kept, { type: "context", elements: [{ type: "mrkdwn", text: `${dropped} more blocks not shown (Slack allows ${SLACK_LIMITS.blocks}).` }] }];
}
