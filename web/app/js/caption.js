// Instagram's caption limits, counted exactly as igconnect counts them
// (shared/src/domain/post/caption.rs): characters are Unicode code points, a hashtag is `#`
// followed by a letter, digit or `_`, a mention is `@` followed by a username character.

export const MAX_CAPTION_CHARS = 2200;
export const MAX_HASHTAGS = 30;
export const MAX_MENTIONS = 20;
export const MAX_ALT_TEXT_CHARS = 1000;

const HASHTAG_NAME = /[\p{Alphabetic}\p{Nd}\p{Nl}\p{No}_]/u;
const USERNAME_CHAR = /[A-Za-z0-9._]/;

/**
 * @param {string} text
 * @param {string} sigil
 * @param {RegExp} name
 */
function sigils(text, sigil, name) {
  const chars = Array.from(text);
  let count = 0;
  for (let i = 0; i + 1 < chars.length; i += 1) {
    if (chars[i] === sigil && name.test(chars[i + 1] ?? '')) count += 1;
  }
  return count;
}

/**
 * @param {string} text
 * @returns {{ chars: number, hashtags: number, mentions: number }}
 */
export function countCaption(text) {
  return {
    chars: Array.from(text).length,
    hashtags: sigils(text, '#', HASHTAG_NAME),
    mentions: sigils(text, '@', USERNAME_CHAR),
  };
}

/**
 * What is over Instagram's limits, in words; empty when the caption is fine.
 * @param {string} text
 * @returns {string[]}
 */
export function captionProblems(text) {
  const c = countCaption(text);
  const problems = [];
  if (c.chars > MAX_CAPTION_CHARS) problems.push(`The caption is ${c.chars - MAX_CAPTION_CHARS} character${c.chars - MAX_CAPTION_CHARS === 1 ? "" : "s"} too long (at most ${MAX_CAPTION_CHARS.toLocaleString("en")}).`);
  if (c.hashtags > MAX_HASHTAGS) problems.push(`Remove ${c.hashtags - MAX_HASHTAGS} hashtag${c.hashtags - MAX_HASHTAGS === 1 ? '' : 's'} (at most ${MAX_HASHTAGS}).`);
  if (c.mentions > MAX_MENTIONS) problems.push(`Remove ${c.mentions - MAX_MENTIONS} mention${c.mentions - MAX_MENTIONS === 1 ? '' : 's'} (at most ${MAX_MENTIONS}).`);
  return problems;
}
