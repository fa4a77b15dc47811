// Sharing an account (manage permission): grants per person, what members get on a company
// account, and transferring ownership.

import { describeError } from './api.js';
import { h, replace, openDialog, busy, field, select, inlineError, toast, confirmDialog, time } from './dom.js';
import { PERMISSION_LABEL } from './cards.js';

/**
 * @typedef {import('./main.js').Ctx} Ctx
 * @typedef {import('./api.js').Account} Account
 * @typedef {import('./api.js').Grant} Grant
 * @typedef {import('./api.js').Permission} Permission
 */

/** @type {[string, string][]} */
const PERMISSIONS = [['view', 'View: see it and its insights'], ['publish', 'Publish: also post and answer comments'], ['manage', 'Manage: also share, transfer, disconnect']];

/** @param {string} value @returns {Permission} */
function asPermission(value) {
  return value === 'manage' ? 'manage' : value === 'publish' ? 'publish' : 'view';
}

/**
 * @param {Ctx} ctx
 * @param {Account} account
 */
export function openShareDialog(ctx, account) {
  let changed = false;
  openDialog(`Share @${account.username}`, () => {
    const grantsBox = h('div', { 'aria-live': 'polite' }, h('p', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Loading who has access…'));
    const grantsError = h('div', {});

    async function loadGrants() {
      try {
        renderGrants(await ctx.api.grants(account.id));
      } catch (error) {
        replace(grantsBox, inlineError(describeError(error)));
      }
    }

    /** @param {Grant[]} grants */
    function renderGrants(grants) {
      if (grants.length === 0) {
        replace(grantsBox, h('p', { class: 'muted' }, 'Nobody has been given access yet.'));
        return;
      }
      replace(grantsBox, h('div', { class: 'table-wrap' }, h('table', {},
        h('caption', { class: 'visually-hidden' }, 'People given access'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Person'), h('th', { scope: 'col' }, 'Access'), h('th', { scope: 'col' }, 'Given'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
        h('tbody', {}, ...grants.map((grant) => {
          const permission = select({ 'aria-label': `Access for ${grant.user_id}` }, PERMISSIONS.map(([v]) => [v, PERMISSION_LABEL[/** @type {Permission} */ (v)]]), grant.permission);
          permission.addEventListener('change', () => void run(null, async () => {
            await ctx.api.setGrant(account.id, grant.user_id, asPermission(permission.value));
            toast(`${grant.user_id} now has ${permission.value} access.`, 'success');
          }, grantsError));
          const remove = h('button', { type: 'button', class: 'button button-small button-ghost-danger', 'aria-label': `Remove access for ${grant.user_id}` }, 'Remove');
          remove.addEventListener('click', () => void run(remove, async () => {
            await ctx.api.removeGrant(account.id, grant.user_id);
            toast(`${grant.user_id} no longer has access.`, 'success');
            await loadGrants();
          }, grantsError));
          return h('tr', {}, h('td', {}, grant.user_id), h('td', {}, permission), h('td', { class: 'small muted' }, 'by ', grant.granted_by, ', ', time(grant.granted_at)), h('td', {}, remove));
        })))));
    }

    /**
     * @param {HTMLButtonElement | null} button
     * @param {() => Promise<void>} work
     * @param {HTMLElement} errorBox
     */
    async function run(button, work, errorBox) {
      errorBox.replaceChildren();
      await busy(button, async () => {
        try {
          await work();
          changed = true;
        } catch (error) {
          replace(errorBox, inlineError(describeError(error)));
        }
      });
    }

    // Give someone access.
    const user = h('input', { type: 'text', name: 'grant_user', autocomplete: 'off', required: true });
    const permission = select({ name: 'grant_permission' }, PERMISSIONS, 'view');
    const give = h('button', { type: 'submit', class: 'button button-primary' }, 'Give access');
    const addError = h('div', {});
    const addForm = h('form', { class: 'share-section', 'aria-labelledby': 'share-add-title' },
      h('h3', { id: 'share-add-title' }, 'Give a team member access'),
      h('div', { class: 'row' }, field('Team member’s user id', user), field('Access', permission)),
      addError,
      h('div', { class: 'actions' }, give));
    addForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const who = user.value.trim();
      if (!who) {
        replace(addError, inlineError('Enter the team member’s user id.'));
        user.focus();
        return;
      }
      void run(give, async () => {
        await ctx.api.setGrant(account.id, who, asPermission(permission.value));
        toast(`${who} now has ${permission.value} access.`, 'success');
        user.value = '';
        await loadGrants();
      }, addError);
    });

    // What members get on a company account.
    /** @type {HTMLElement | null} */
    let memberSection = null;
    if (account.owner.type === 'company') {
      const access = select({ name: 'member_access' }, [['publish', 'Publish (default)'], ['view', 'View only'], ['none', 'No access']], account.member_access ?? 'publish');
      const save = h('button', { type: 'submit', class: 'button' }, 'Save member access');
      const memberError = h('div', {});
      memberSection = h('form', { class: 'share-section', 'aria-labelledby': 'share-members-title' },
        h('h3', { id: 'share-members-title' }, 'Everyone in the company'),
        field('What members get without a grant', access, 'Owners and admins always manage company accounts; a grant gives a member more.'),
        memberError, h('div', { class: 'actions' }, save));
      memberSection.addEventListener('submit', (event) => {
        event.preventDefault();
        const value = access.value === 'none' ? 'none' : access.value === 'view' ? 'view' : 'publish';
        void run(save, async () => {
          await ctx.api.updateAccount(account.id, { member_access: value });
          toast('Member access saved.', 'success');
        }, memberError);
      });
    }

    // Transfer.
    const target = select({ name: 'new_owner' }, [
      ...(account.owner.type === 'company' ? [] : /** @type {[string, string][]} */ ([['company', `The company (${ctx.identity.tenant})`]])),
      ['user', 'A person'],
    ], account.owner.type === 'company' ? 'user' : 'company');
    const newOwner = h('input', { type: 'text', name: 'new_owner_user', autocomplete: 'off' });
    const newOwnerField = field('New owner’s user id', newOwner);
    const transfer = h('button', { type: 'submit', class: 'button' }, 'Transfer');
    const transferError = h('div', {});
    const syncTarget = () => { newOwnerField.hidden = target.value !== 'user'; };
    target.addEventListener('change', syncTarget);
    syncTarget();
    const transferForm = h('form', { class: 'share-section', 'aria-labelledby': 'share-transfer-title' },
      h('h3', { id: 'share-transfer-title' }, 'Transfer ownership'),
      h('p', { class: 'small muted' }, 'Grants are kept. A person who gives an account away keeps nothing unless granted.'),
      h('div', { class: 'row' }, field('New owner', target), newOwnerField),
      transferError, h('div', { class: 'actions' }, transfer));
    transferForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const toCompany = target.value === 'company';
      const who = newOwner.value.trim();
      if (!toCompany && !who) {
        replace(transferError, inlineError('Enter the new owner’s user id.'));
        newOwner.focus();
        return;
      }
      void (async () => {
        const sure = await confirmDialog('Transfer the account?', `@${account.username} will belong to ${toCompany ? 'the company' : who}.`, 'Transfer');
        if (!sure) return;
        await run(transfer, async () => {
          const after = await ctx.api.updateAccount(account.id, { owner: toCompany ? { type: 'company' } : { type: 'user', user_id: who } });
          toast(after ? `@${account.username} now belongs to ${toCompany ? 'the company' : who}.` : `@${account.username} was given away; you no longer have access.`, 'success');
          const dialog = transferForm.closest('dialog');
          dialog?.close();
        }, transferError);
      })();
    });

    void loadGrants();
    return [
      h('section', { 'aria-labelledby': 'share-who-title' }, h('h3', { id: 'share-who-title' }, 'People with access'), grantsBox, grantsError),
      addForm, memberSection, transferForm,
    ];
  }, { wide: true, onClose: () => { if (changed) void ctx.reload(); } });
}
