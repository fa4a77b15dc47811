// A post's comments with their replies; reply, hide and show again.

import { describeError } from './api.js';
import { h, replace, openDialog, time, busy, inlineError, toast, nextId } from './dom.js';
import { canPublish } from './cards.js';

/**
 * @typedef {import('./main.js').Ctx} Ctx
 * @typedef {import('./api.js').Account} Account
 * @typedef {import('./api.js').Comment} Comment
 */

/**
 * @param {Ctx} ctx
 * @param {Account} account
 * @param {string} mediaId
 * @param {string} caption
 */
export function openComments(ctx, account, mediaId, caption) {
  openDialog('Comments', () => {
    const box = h('div', { 'aria-live': 'polite' }, h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Loading comments…'));
    const may = canPublish(account.permission);

    async function load() {
      try {
        const page = await ctx.api.comments(account.id, mediaId);
        if (page.data.length === 0) {
          replace(box, h('p', { class: 'muted' }, 'No comments yet.'));
          return;
        }
        replace(box, h('ul', { class: 'comments', 'aria-label': 'Comments' }, ...page.data.map((c) => commentItem(c))));
      } catch (error) {
        replace(box, inlineError(describeError(error)));
      }
    }

    /** @param {Comment} comment */
    function commentItem(comment) {
      const item = h('li', { class: comment.hidden ? 'comment is-hidden' : 'comment' });
      const errorBox = h('div', {});
      const who = comment.username ? `@${comment.username}` : 'Someone';
      const actions = h('div', { class: 'post-actions' });
      if (may) {
        const toggle = h('button', { type: 'button', class: 'button button-small', 'aria-label': `${comment.hidden ? 'Show' : 'Hide'} the comment by ${who}` }, comment.hidden ? 'Show' : 'Hide');
        toggle.addEventListener('click', () => void busy(toggle, async () => {
          try {
            const updated = await ctx.api.setHidden(account.id, mediaId, comment.id, !comment.hidden);
            toast(updated.hidden ? `The comment by ${who} is hidden.` : `The comment by ${who} is shown again.`, 'success');
            item.replaceWith(commentItem({ ...comment, hidden: updated.hidden }));
          } catch (error) {
            replace(errorBox, inlineError(describeError(error)));
          }
        }));
        const replyButton = h('button', { type: 'button', class: 'button button-small', 'aria-label': `Reply to ${who}` }, 'Reply');
        replyButton.addEventListener('click', () => {
          replyButton.hidden = true;
          const form = replyForm(comment, who, () => { replyButton.hidden = false; form.remove(); });
          actions.after(form);
          form.querySelector('textarea')?.focus();
        });
        actions.append(replyButton, toggle);
      }
      const replies = comment.replies ?? [];
      const repliesList = h('ul', { class: 'replies', 'aria-label': `Replies to ${who}`, hidden: replies.length === 0 },
        ...replies.map((r) => h('li', {},
          h('div', { class: 'comment-head' }, h('strong', {}, r.username ? `@${r.username}` : 'Someone'), r.timestamp ? time(r.timestamp) : null, r.hidden ? h('span', { class: 'chip' }, 'Hidden') : null),
          h('p', { class: 'comment-text' }, r.text))));
      replace(item,
        h('div', { class: 'comment-head' }, h('strong', {}, who), comment.timestamp ? time(comment.timestamp) : null,
          comment.hidden ? h('span', { class: 'chip' }, 'Hidden') : null,
          comment.like_count ? h('span', { class: 'small muted' }, `${comment.like_count} like${comment.like_count === 1 ? '' : 's'}`) : null),
        h('p', { class: 'comment-text' }, comment.text),
        actions, errorBox, repliesList);
      item.dataset.commentId = comment.id;
      item.addEventListener('igc-reply', (event) => {
        const reply = /** @type {CustomEvent<Comment>} */ (event).detail;
        repliesList.hidden = false;
        repliesList.append(h('li', {}, h('div', { class: 'comment-head' }, h('strong', {}, reply.username ? `@${reply.username}` : `@${account.username}`), reply.timestamp ? time(reply.timestamp) : null), h('p', { class: 'comment-text' }, reply.text)));
      });
      return item;
    }

    /**
     * @param {Comment} comment
     * @param {string} who
     * @param {() => void} done
     */
    function replyForm(comment, who, done) {
      const id = nextId('reply');
      const text = h('textarea', { id, name: 'reply', rows: 2, maxlength: 2200, required: true });
      const send = h('button', { type: 'submit', class: 'button button-primary button-small' }, 'Send reply');
      const errorBox = h('div', {});
      const form = h('form', { class: 'reply-form' },
        h('div', { class: 'field' }, h('label', { for: id }, `Your reply to ${who}`), text),
        h('button', { type: 'button', class: 'button button-small', onclick: done }, 'Cancel'),
        send, errorBox);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const message = text.value.trim();
        errorBox.replaceChildren();
        if (!message) {
          replace(errorBox, inlineError('Write something first.'));
          return;
        }
        void busy(send, async () => {
          try {
            const reply = await ctx.api.reply(account.id, mediaId, comment.id, message);
            toast('Your reply was posted.', 'success');
            form.closest('li')?.dispatchEvent(new CustomEvent('igc-reply', { detail: { ...reply, text: reply.text ?? message } }));
            done();
          } catch (error) {
            replace(errorBox, inlineError(describeError(error)));
          }
        });
      });
      return form;
    }

    void load();
    return [caption ? h('p', { class: 'muted small' }, `On the post: “${caption.length > 120 ? caption.slice(0, 117) + '…' : caption}”`) : null, box];
  }, { wide: true });
}
