// The composer counts a caption exactly as igconnect's API does
// (shared/src/domain/post/caption.rs), so what it shows is what the API will decide.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countCaption, captionProblems } from '../app/js/caption.js';

test('characters are code points: an emoji family of five code points counts five', () => {
  assert.equal(countCaption('👨‍👩‍👧').chars, 5);
  assert.equal(countCaption('café').chars, 4);
});

test('a hashtag is # followed by a letter, digit or underscore, wherever it stands', () => {
  assert.equal(countCaption('#café #2024 ##tag #one#two # tag #').hashtags, 5);
});

test('a mention is @ followed by a username character, so an e-mail address counts', () => {
  assert.equal(countCaption('@sunrise.bakery hi@acme.com @ nobody @_x').mentions, 3);
});

test('2,200 characters, 30 hashtags and 20 mentions are fine; one more of each is not', () => {
  assert.deepEqual(captionProblems('a'.repeat(2200)), []);
  assert.deepEqual(captionProblems('a'.repeat(2201)), ['The caption is 1 character too long (at most 2,200).']);
  const tags = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => `#t${i}`).join(' ');
  const mentions = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => `@u${i}`).join(' ');
  assert.deepEqual(captionProblems(tags(30)), []);
  assert.deepEqual(captionProblems(tags(31)), ['Remove 1 hashtag (at most 30).']);
  assert.deepEqual(captionProblems(mentions(20)), []);
  assert.deepEqual(captionProblems(mentions(22)), ['Remove 2 mentions (at most 20).']);
});
