/* SPDX-License-Identifier: ISC */
// mailboxforms.js - the mailbox dialogs: edit (name, quota, active), reset
// the password (a new one, shown once) and delete.
import { h } from './dom.js';
import { t } from './i18n.js';
import { api, path } from './api.js';
import { readSize } from './format.js';
import { displayAddress } from './punycode.js';
import { checkField, confirmDialog, field, formDialog, nextId, secretDialog, sizeInput, toast } from './ui.js';
import { generatePassword } from './password.js';

// editMailbox(mb): resolves to the changed mailbox, or undefined.
export function editMailbox(mb) {
	const shown = displayAddress(mb.address);
	const name = h('input', { id: nextId('ed-name'), type: 'text', value: mb.name, autocomplete: 'off', maxlength: '256' });
	const q = sizeInput(nextId('ed-quota'), mb.quota_bytes);
	const shownQuota = q.value;
	const active = h('input', { id: nextId('ed-active'), type: 'checkbox', checked: mb.active });
	return formDialog({
		title: t('mailbox.edit_title', { address: shown }),
		fields: [
			field({ label: t('mailbox.name'), input: name, error: 'name', hint: t('mailbox.name_hint') }),
			field({ label: t('mailbox.quota'), input: q, error: 'quota', hint: t('mailbox.quota_edit_hint') }),
			checkField({ input: active, label: t('mailbox.active_label'), error: 'active', hint: t('mailbox.active_hint') }),
		],
		onSubmit: async (form, errs) => {
			const body = {};
			if (name.value !== mb.name) body.name = name.value;
			if (q.value !== shownQuota) {	// as shown, it may be rounded
				const size = readSize(q.value);
				if (Number.isNaN(size)) { errs.field('quota', t('mailbox.quota_bad')); return false; }
				body.quota = size === null ? 0 : size;
			}
			if (active.checked !== mb.active) body.active = active.checked;
			if (!Object.keys(body).length) return mb;
			const res = await api.patch(path('mailboxes', mb.address), body);
			toast(t('mailbox.saved', { address: shown }));
			return res;
		},
	});
}

export async function resetPassword(mb) {
	const shown = displayAddress(mb.address);
	const ok = await confirmDialog({
		title: t('mailbox.reset_title'),
		message: t('mailbox.reset_confirm', { address: shown }),
		detail: t('mailbox.reset_detail'),
		confirmLabel: t('mailbox.reset_do'),
	});
	if (!ok) return false;
	const password = generatePassword(16);
	await api.patch(path('mailboxes', mb.address), { password });
	await secretDialog({
		title: t('mailbox.reset_done_title'),
		message: t('mailbox.reset_done', { address: shown }),
		secret: password,
		label: t('mailbox.new_password'),
	});
	return true;
}

export async function deleteMailbox(mb) {
	const shown = displayAddress(mb.address);
	const ok = await confirmDialog({
		title: t('mailbox.delete_title'),
		message: t('mailbox.delete_confirm', { address: shown }),
		detail: t('mailbox.delete_detail'),
		confirmLabel: t('common.delete'),
		danger: true,
	});
	if (!ok) return false;
	await api.del(path('mailboxes', mb.address));
	toast(t('mailbox.deleted', { address: shown }));
	return true;
}
