/* SPDX-License-Identifier: ISC */
// exportfile.js - a button that fetches a CSV export from the API
// (GET /export/mailboxes or /export/aliases) and hands it to the browser
// to save under the name the API gives.
import { h } from './dom.js';
import { t } from './i18n.js';
import { api } from './api.js';
import { errorText, saveFile, toast } from './ui.js';

export function exportButton({ label, hint, path, query, id }) {
	const btn = h('button', { type: 'button', class: 'btn', title: hint, id }, label);
	btn.addEventListener('click', async () => {
		btn.disabled = true;
		try {
			const { blob, name } = await api.file(path, query);
			saveFile(name, blob);
			toast(t('common.exported', { name }));
		} catch (e) {
			toast(errorText(e), 'error');
		} finally {
			btn.disabled = false;
		}
	});
	return btn;
}
