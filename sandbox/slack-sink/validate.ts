/**
 * Block Kit checks the sink applies the way Slack does, so a message that the
 * sink accepts is one Slack accepts too (for the block types oomwatch uses).
 * Limits: https://docs.slack.dev/reference/block-kit/blocks (numbers in functions/notify/limits.ts).
 */
import { SLACK_LIMITS } from "../../functions/notify/limits.ts";

export { SLACK_LIMITS };

const KNOWN_TYPES = new Set(["section", "header", "context", "divider", "actions", "image", "rich_text", "markdown", "input", "file", "video"]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function textObject(v: unknown, path: string, max: number, plainOnly = false): string[] {
  if (!isObj(v)) return [`must be a text object [json-pointer:${path}]`];
  const type = v.type;
  if (type !== "plain_text" && (plainOnly || type !== "mrkdwn")) return [`invalid text type ${String(type)} [json-pointer:${path}/type]`];
  if (typeof v.text !== "string" || v.text.length === 0) return [`must be more than 0 characters [json-pointer:${path}/text]`];
  if (v.text.length > max) return [`must be less than ${max + 1} characters [json-pointer:${path}/text]`];
  return [];
}

function checkBlock(block: unknown, i: number): string[] {
  const path = `/blocks/${i}`;
  if (!isObj(block)) return [`must be an object [json-pointer:${path}]`];
  const errors: string[] = [];
  if (typeof block.type !== "string" || !KNOWN_TYPES.has(block.type)) return [`unsupported type ${String(block.type)} [json-pointer:${path}/type]`];
  if (block.block_id !== undefined && (typeof block.block_id !== "string" || block.block_id.length > SLACK_LIMITS.blockId)) {
    errors.push(`invalid block_id [json-pointer:${path}/block_id]`);
  }
  switch (block.type) {
    case "header":
      errors.push(...textObject(block.text, `${path}/text`, SLACK_LIMITS.headerText, true));
      break;
    case "section": {
      if (block.accessory !== undefined && (!isObj(block.accessory) || typeof block.accessory.type !== "string")) {
        errors.push(`must be an element object [json-pointer:${path}/accessory]`);
      }
      if (block.text === undefined && block.fields === undefined) errors.push(`must provide text or fields [json-pointer:${path}]`);
      if (block.text !== undefined) errors.push(...textObject(block.text, `${path}/text`, SLACK_LIMITS.sectionText));
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields) || block.fields.length === 0 || block.fields.length > SLACK_LIMITS.sectionFields) {
          errors.push(`must provide 1..${SLACK_LIMITS.sectionFields} fields [json-pointer:${path}/fields]`);
        } else {
          errors.push(...block.fields.flatMap((f, j) => textObject(f, `${path}/fields/${j}`, SLACK_LIMITS.fieldText)));
        }
      }
      break;
    }
    case "image": {
      const hasUrl = typeof block.image_url === "string" && block.image_url.length > 0;
      if (!hasUrl && !isObj(block.slack_file)) errors.push(`must provide either image_url or slack_file [json-pointer:${path}]`);
      if (hasUrl && (block.image_url as string).length > SLACK_LIMITS.imageUrl) errors.push(`must be less than ${SLACK_LIMITS.imageUrl + 1} characters [json-pointer:${path}/image_url]`);
      if (typeof block.alt_text !== "string" || block.alt_text.length === 0) errors.push(`must be more than 0 characters [json-pointer:${path}/alt_text]`);
      else if (block.alt_text.length > SLACK_LIMITS.altText) errors.push(`must be less than ${SLACK_LIMITS.altText + 1} characters [json-pointer:${path}/alt_text]`);
      if (block.title !== undefined) errors.push(...textObject(block.title, `${path}/title`, SLACK_LIMITS.altText, true));
      break;
    }
    case "actions": {
      const els = block.elements;
      if (!Array.isArray(els) || els.length === 0 || els.length > SLACK_LIMITS.actionsElements) {
        errors.push(`must provide 1..${SLACK_LIMITS.actionsElements} elements [json-pointer:${path}/elements]`);
      } else {
        els.forEach((e, j) => {
          if (!isObj(e) || typeof e.type !== "string") errors.push(`must be an element object [json-pointer:${path}/elements/${j}]`);
          else if (e.type === "button") errors.push(...textObject(e.text, `${path}/elements/${j}/text`, SLACK_LIMITS.buttonText, true));
        });
      }
      break;
    }
    case "context": {
      const els = block.elements;
      if (!Array.isArray(els) || els.length === 0 || els.length > SLACK_LIMITS.contextElements) {
        errors.push(`must provide 1..${SLACK_LIMITS.contextElements} elements [json-pointer:${path}/elements]`);
      } else {
        els.forEach((e, j) => {
          if (isObj(e) && e.type === "image") return;
          errors.push(...textObject(e, `${path}/elements/${j}`, SLACK_LIMITS.sectionText));
        });
      }
      break;
    }
  }
  return errors;
}

/** Error messages in Slack's `[ERROR] ... [json-pointer:...]` style; empty when valid. */
export function validateBlocks(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return ["must be an array [json-pointer:/blocks]"];
  if (blocks.length > SLACK_LIMITS.blocks) return [`no more than ${SLACK_LIMITS.blocks} items allowed [json-pointer:/blocks]`];
  return blocks.flatMap((b, i) => checkBlock(b, i));
}
