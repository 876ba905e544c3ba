// qrsmith web page, Links tab: dynamic codes. Such a code holds a short link to this server
// (/r/SLUG) whose destination can change after the code is printed. The tab creates them, lists
// the caller's own, changes, disables and deletes them, and charts their scans in an SVG it draws
// itself. app.js imports this module the first time the tab opens (it is no part of the page's
// first load); the keyed fetch, status lines and error words are common.js's, as for the others.
// As in app.js: no inline script or style (strict CSP), and user data only through textContent
// and attributes, never HTML.

import { say, errorText, networkText, api, copyText, saveFrom } from './common.js';

const LINKS_URL = '/api/v1/links';
const SVG_NS = 'http://www.w3.org/2000/svg';
const PAGE = 50; // links per request of the list
const SLUG = /^[A-Za-z0-9_-]{3,64}$/;
const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** An HTML element. Props with a dash (aria-*, data-*) are attributes, the rest DOM properties. */
function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k.includes('-')) el.setAttribute(k, v);
    else el[k] = v;
  }
  el.append(...kids);
  return el;
}

/** An SVG element; every prop is an attribute. */
function s(tag, attrs = {}, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...kids);
  return el;
}

/** A labelled field as the other tabs lay them out; `hint` is read with the control. */
function field(label, input, wide, hint) {
  const kids = [h('label', { htmlFor: input.id }, label), input];
  if (hint) {
    input.setAttribute('aria-describedby', `${input.id}-hint`);
    kids.push(h('span', { id: `${input.id}-hint`, className: 'hint' }, hint));
  }
  return h('div', { className: wide ? 'field wide' : 'field' }, ...kids);
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A link's state in a word: what its code does when scanned now. */
function state(link) {
  const now = Date.now();
  if (!link.enabled) return 'Disabled';
  if (link.valid_until && Date.parse(link.valid_until) <= now) return 'Expired';
  if (link.valid_from && Date.parse(link.valid_from) > now) return 'Not yet live';
  if (link.max_scans != null && link.scans >= link.max_scans) return 'Used up';
  return 'Active';
}

/** A UTC day ("2026-12-06…") as the reader's short date: "6 Dec" or "Dec 6". */
const dayName = (iso) =>
  new Date(`${iso.slice(0, 10)}T00:00:00Z`).toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });

/**
 * Starts the tab in `panel` once its style sheet (named by the panel, like this module) is in;
 * resolves to { load }, which refreshes the list (the tab opened again, a key given).
 */
export async function start(panel) {
  const css = h('link', { rel: 'stylesheet', href: panel.dataset.css });
  await new Promise((done) => {
    css.addEventListener('load', done);
    css.addEventListener('error', done); // unstyled is still usable
    document.head.append(css);
  });
  panel.classList.add('links');
  let shown = ''; // the slug whose scans are shown

  // ------------------------------------------------------------ create

  const dest = h('input', { id: 'l-dest', type: 'url', required: true, spellcheck: false, autocomplete: 'off',
    placeholder: 'https://example.org/menu' });
  const slug = h('input', { id: 'l-slug', maxLength: 64, spellcheck: false, autocomplete: 'off' });
  const note = h('input', { id: 'l-note', maxLength: 500 });
  const create = h('button', { type: 'submit', className: 'button primary' }, 'Create link');
  const form = h('form', { id: 'l-form', className: 'gen-form l-form', noValidate: true },
    field('Destination', dest, true, 'Where the code leads; you can change it after printing.'),
    field('Short name (optional)', slug, false, '3–64 letters, digits, - or _; random if empty'),
    field('Note (optional)', note, false),
    h('div', { className: 'actions field wide' }, create));
  const status = h('p', { id: 'l-status', className: 'status', role: 'status' });

  // The code of the link just made (or asked for with "Show code").
  const codeImg = h('img', { id: 'l-code', alt: '' });
  const codeTitle = h('h3', { id: 'l-code-title', tabIndex: -1 });
  const shortUrl = h('code', { id: 'l-short', className: 'l-short' });
  const png = h('a', { id: 'l-png', className: 'button primary' }, 'Download PNG');
  const copy = h('button', { id: 'l-copy', type: 'button', className: 'button' }, 'Copy short link');
  const elsewhere = h('p', { id: 'l-elsewhere', className: 'hint', hidden: true });
  const made = h('div', { id: 'l-made', className: 'l-made', hidden: true },
    h('figure', { className: 'l-code' }, codeImg),
    h('div', { className: 'l-made-text' }, codeTitle, h('p', {}, 'Short link: ', shortUrl), elsewhere,
      h('div', { className: 'actions' }, png, copy)));
  // Saved through fetch: it sends the key, and names the file after the link (the service's
  // Content-Disposition would name it qr.png, and wins over a plain link's download name).
  png.addEventListener('click', (e) => {
    e.preventDefault();
    saveFrom(png.href, png.download, status);
  });
  let codeBlob = ''; // object URL of the code shown

  async function showCode(link) {
    made.hidden = false;
    codeTitle.textContent = `Code for ${link.slug}`;
    shortUrl.textContent = link.short_url;
    // Short links start with the server's public URL; by default its listen address, which
    // phones may not reach. Say so when it is not the address this page came from.
    const host = new URL(link.short_url, location.href).host;
    elsewhere.hidden = host === location.host;
    elsewhere.textContent = `This link goes to ${host}, not ${location.host}: check that phones can reach it ` +
      '(the server\'s --public-url sets it).';
    png.href = link.images.png;
    png.download = `qr-${link.slug}.png`;
    codeImg.alt = `QR code for ${link.short_url}`;
    codeImg.removeAttribute('src');
    try {
      // Fetched rather than an <img src>: a URL cannot carry the API key.
      const res = await api(link.images.svg);
      if (!res.ok) throw new Error(await errorText(res));
      const blob = await res.blob();
      if (shortUrl.textContent !== link.short_url) return; // another code was asked for meanwhile
      if (codeBlob) URL.revokeObjectURL(codeBlob);
      codeBlob = URL.createObjectURL(blob);
      codeImg.src = codeBlob;
    } catch (err) {
      say(status, err instanceof TypeError ? networkText(err) : err.message, 'error');
    }
  }

  copy.addEventListener('click', async () => {
    try {
      await copyText(shortUrl.textContent);
      say(status, 'Short link copied.', 'ok');
    } catch (_) {
      say(status, 'The browser did not let this page copy; select the link and copy it.', 'error');
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { destination: dest.value.trim() };
    const name = slug.value.trim();
    if (!body.destination) {
      say(status, 'Type the address the code should lead to.', 'error');
      dest.focus();
      return;
    }
    if (name && !SLUG.test(name)) {
      say(status, 'A short name is 3 to 64 letters, digits, - or _.', 'error');
      slug.focus();
      return;
    }
    if (name) body.slug = name;
    if (note.value.trim()) body.note = note.value.trim();
    create.disabled = true;
    say(status, 'Creating the link…');
    try {
      const res = await api(LINKS_URL, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
      if (!res.ok) {
        say(status, await errorText(res), 'error');
        return;
      }
      const link = await res.json();
      form.reset();
      say(status, `Created: ${link.short_url} leads to ${link.destination}.`, 'ok');
      showCode(link);
      load();
    } catch (err) {
      say(status, networkText(err), 'error');
    } finally {
      create.disabled = false;
    }
  });

  // ------------------------------------------------------------ list

  const listTitle = h('h3', { id: 'l-list-title', tabIndex: -1 }, 'Your links');
  const count = h('p', { id: 'l-count', className: 'hint' });
  const list = h('ul', { id: 'l-list', className: 'l-list', 'aria-labelledby': 'l-list-title' });
  const more = h('button', { type: 'button', className: 'button', hidden: true }, 'Show more');
  let total = 0;
  let loading = 0; // the list request being waited for; older answers are dropped

  /** The list item of `slug`, if shown. */
  const itemOf = (name) => [...list.children].find((li) => li.dataset.slug === name);

  function counted() {
    count.textContent = total ? `${plural(total, 'link')}, newest first.` : 'No links yet: create one above.';
    more.hidden = list.children.length >= total;
  }

  /** Fetches the list from `offset` (0: anew). */
  async function load(offset = 0) {
    const mine = ++loading;
    try {
      const res = await api(`${LINKS_URL}?limit=${PAGE}&offset=${offset}`);
      if (mine !== loading) return;
      if (!res.ok) {
        say(status, await errorText(res), 'error');
        return;
      }
      const page = await res.json();
      if (mine !== loading) return;
      total = Number(page.total) || 0;
      const items = (page.links || []).map(item);
      if (offset) list.append(...items);
      else list.replaceChildren(...items);
      counted();
    } catch (err) {
      if (mine === loading) say(status, networkText(err), 'error');
    }
  }
  more.addEventListener('click', () => load(list.children.length));

  /** A small button whose accessible name says which link it acts on. */
  function act(text, slugName, onClick, what = text) {
    const b = h('button', { type: 'button', className: 'button small', 'aria-label': `${what} ${slugName}` }, text);
    b.addEventListener('click', onClick);
    return b;
  }

  /** The list item of a link: its names, numbers and actions. */
  function item(link) {
    const li = h('li', { className: 'l-item', 'data-slug': link.slug });
    const st = state(link);
    const dest = h('p', { className: 'l-dest' }, h('span', { className: 'visually-hidden' }, 'Leads to '), link.destination);
    const actions = h('div', { className: 'actions' },
      act('Change destination', link.slug, () => edit(li, link, dest, actions), 'Change destination of'),
      act(link.enabled ? 'Disable' : 'Enable', link.slug, () => patch(link, { enabled: !link.enabled },
        link.enabled ? `${link.slug} is disabled: its code answers that the link is off.` : `${link.slug} is enabled again.`)),
      act('Scans', link.slug, () => stats(link.slug), 'Scans of'),
      act('Show code', link.slug, () => showCode(link).then(() => codeTitle.focus()), 'Show code of'),
      act('Delete', link.slug, () => confirmDelete(link, actions)));
    li.append(
      h('div', { className: 'l-head' },
        h('code', { className: 'l-slug' }, link.slug),
        h('span', { className: `l-state${st === 'Active' ? '' : ' off'}` }, st),
        h('span', { className: 'l-scans' }, plural(Number(link.scans) || 0, 'scan'))),
      dest);
    if (link.note) li.append(h('p', { className: 'hint l-note' }, link.note));
    li.append(actions);
    if (link.slug === shown) li.classList.add('picked');
    return li;
  }

  /** Puts a fresh item in the place of the old one; the focus goes to the same action. */
  function replace(link, focusLabel) {
    const old = itemOf(link.slug);
    if (!old) return;
    const fresh = item(link);
    old.replaceWith(fresh);
    if (focusLabel) {
      const b = [...fresh.querySelectorAll('button')].find((x) => x.getAttribute('aria-label').startsWith(focusLabel));
      if (b) b.focus();
    }
  }

  /** PATCHes a link and shows the answer; true when it went through. */
  async function patch(link, changes, done) {
    try {
      const res = await api(`${LINKS_URL}/${encodeURIComponent(link.slug)}`, {
        method: 'PATCH',
        headers: JSON_HEADERS,
        body: JSON.stringify(changes),
      });
      if (!res.ok) {
        say(status, await errorText(res), 'error');
        return false;
      }
      const fresh = await res.json();
      const label = 'enabled' in changes ? (fresh.enabled ? 'Disable' : 'Enable') : 'Change destination';
      replace(fresh, label);
      say(status, done, 'ok');
      return true;
    } catch (err) {
      say(status, networkText(err), 'error');
      return false;
    }
  }

  /** Swaps the destination line for a small form: Save PATCHes, Cancel or Escape goes back. */
  function edit(li, link, destLine, actions) {
    const input = h('input', { type: 'url', value: link.destination, spellcheck: false, autocomplete: 'off',
      'aria-label': `New destination of ${link.slug}` });
    const save = h('button', { type: 'submit', className: 'button primary small' }, 'Save');
    const cancel = h('button', { type: 'button', className: 'button small' }, 'Cancel');
    const editor = h('form', { className: 'l-edit', noValidate: true }, input, save, cancel);
    const back = () => {
      editor.replaceWith(destLine);
      actions.hidden = false;
      actions.querySelector('button').focus();
    };
    cancel.addEventListener('click', back);
    editor.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') back();
    });
    editor.addEventListener('submit', async (e) => {
      e.preventDefault();
      const to = input.value.trim();
      if (!to) {
        say(status, 'Type the new destination.', 'error');
        input.focus();
        return;
      }
      save.disabled = true;
      const ok = await patch(link, { destination: to }, `${link.slug} now leads to ${to}.`);
      save.disabled = false;
      if (!ok) input.focus();
    });
    destLine.replaceWith(editor);
    actions.hidden = true;
    input.focus();
    input.select();
  }

  /** Delete asks once more, in place: "Delete for good" or "Keep". */
  function confirmDelete(link, actions) {
    const sure = h('button', { type: 'button', className: 'button small danger' }, `Delete ${link.slug} for good`);
    const keep = h('button', { type: 'button', className: 'button small' }, 'Keep');
    const ask = h('div', { className: 'actions' }, sure, keep);
    keep.addEventListener('click', () => {
      ask.replaceWith(actions);
      actions.querySelector('[aria-label^=Delete]').focus();
    });
    sure.addEventListener('click', async () => {
      sure.disabled = true;
      try {
        const res = await api(`${LINKS_URL}/${encodeURIComponent(link.slug)}`, { method: 'DELETE' });
        if (!res.ok) {
          say(status, await errorText(res), 'error');
          sure.disabled = false;
          return;
        }
        itemOf(link.slug)?.remove();
        total = Math.max(0, total - 1);
        counted();
        if (shown === link.slug) closeStats();
        if (shortUrl.textContent === link.short_url) made.hidden = true;
        say(status, `Deleted ${link.slug}: its code no longer leads anywhere.`, 'ok');
        listTitle.focus();
      } catch (err) {
        say(status, networkText(err), 'error');
        sure.disabled = false;
      }
    });
    actions.replaceWith(ask);
    keep.focus();
  }

  // ------------------------------------------------------------ scans

  const statsTitle = h('h3', { id: 'l-stats-title', tabIndex: -1 });
  const summary = h('p', { id: 'l-summary', className: 'l-summary' });
  const chartBox = h('div', { id: 'l-chart-box' });
  const facts = h('dl', { id: 'l-facts', className: 'meta' });
  const reload = h('button', { type: 'button', className: 'button small' }, 'Refresh');
  const close = h('button', { type: 'button', className: 'button small' }, 'Close');
  const statsBox = h('section', { id: 'l-stats', className: 'l-stats', hidden: true, 'aria-labelledby': 'l-stats-title' },
    h('div', { className: 'l-stats-head' }, statsTitle, h('div', { className: 'actions' }, reload, close)),
    summary, chartBox, facts);

  function closeStats() {
    shown = '';
    statsBox.hidden = true;
    list.querySelectorAll('.picked').forEach((li) => li.classList.remove('picked'));
  }
  close.addEventListener('click', () => {
    const from = shown;
    closeStats();
    itemOf(from)?.querySelector('[aria-label^=Scans]').focus();
  });
  reload.addEventListener('click', () => stats(shown, false));

  /** Shows the scans of the last 30 days (the server's default range) of `name`. */
  async function stats(name, focus = true) {
    shown = name;
    list.querySelectorAll('li').forEach((li) => li.classList.toggle('picked', li.dataset.slug === name));
    statsBox.hidden = false;
    statsTitle.textContent = `Scans of ${name}`;
    summary.textContent = 'Counting…';
    if (focus) statsTitle.focus();
    try {
      const res = await api(`${LINKS_URL}/${encodeURIComponent(name)}/stats?granularity=day`);
      if (shown !== name) return;
      if (!res.ok) {
        summary.textContent = await errorText(res);
        chartBox.replaceChildren();
        facts.replaceChildren();
        return;
      }
      const data = await res.json();
      if (shown !== name) return;
      drawStats(data);
      // The server counted every pending scan for this answer: the list's figure can follow.
      const one = await api(`${LINKS_URL}/${encodeURIComponent(name)}`);
      if (one.ok) replace(await one.json());
    } catch (err) {
      if (shown === name) summary.textContent = networkText(err);
    }
  }

  function drawStats(data) {
    const buckets = Array.isArray(data.buckets) ? data.buckets : [];
    const scans = Number(data.total && data.total.scans) || 0;
    const bots = Number(data.total && data.total.bots) || 0;
    const days = buckets.length;
    const words = `${plural(scans, 'scan')} in ${plural(days, 'day')}`;
    summary.textContent = `${words}.`;
    chartBox.replaceChildren(chart(buckets, words, data));
    const dev = data.devices || {};
    const split = [['iOS', dev.ios], ['Android', dev.android], ['Desktop', dev.desktop], ['Other', dev.other]]
      .map(([n, v]) => `${n} ${Number(v) || 0}`).join(' · ');
    const visitors = Array.isArray(data.unique_visitors) ? data.unique_visitors : [];
    const best = visitors.reduce((a, v) => (Number(v.visitors) > Number(a.visitors) ? v : a), { visitors: 0 });
    const rows = [
      ['Scans', String(scans)],
      ['Bots and link previews', `${bots} (not counted as scans)`],
      ['Devices', split],
      ['Most visitors in a day', best.visitors ? `${best.visitors} on ${dayName(best.day)}` : '0'],
    ];
    facts.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-fact': k.split(' ')[0].toLowerCase() }, v)]));
  }

  /**
   * Scans per day as bars: an inline SVG the page draws itself, as wide as the panel.
   * The axis shows 0 and the highest count; dates at both ends and in the middle. A screen
   * reader gets the title and the summary; each bar has a tooltip with its day and count.
   */
  function chart(buckets, words, data) {
    // Drawn at the box's width in CSS pixels, so that labels come out at their CSS size.
    const W = Math.max(300, Math.round(chartBox.clientWidth) || 640);
    const [H, left, right, top, bottom] = [190, 36, 8, 10, 26];
    const max = Math.max(1, ...buckets.map((b) => Number(b.scans) || 0));
    const slot = (W - left - right) / Math.max(1, buckets.length);
    const y = (n) => H - bottom - ((H - bottom - top) * n) / max;
    const range = buckets.length ? `${dayName(buckets[0].start)} to ${dayName(buckets.at(-1).start)}` : `${data.from} to ${data.to}`;
    const svg = s('svg', { id: 'l-chart', class: 'l-chart', viewBox: `0 0 ${W} ${H}`, role: 'img',
      'aria-labelledby': 'l-chart-title l-chart-desc' },
    s('title', { id: 'l-chart-title' }, `Scans per day of ${data.slug || shown}, ${range}`),
    s('desc', { id: 'l-chart-desc' }, `${words}.`),
    s('line', { class: 'grid', x1: left, x2: W - right, y1: top, y2: top }),
    s('line', { class: 'axis', x1: left, x2: W - right, y1: H - bottom, y2: H - bottom }),
    s('text', { x: left - 6, y: top + 4, 'text-anchor': 'end' }, String(max)),
    s('text', { x: left - 6, y: H - bottom + 4, 'text-anchor': 'end' }, '0'));
    buckets.forEach((b, i) => {
      const n = Number(b.scans) || 0;
      const x = left + i * slot;
      const bar = s('rect', { class: 'bar', x: (x + slot * 0.15).toFixed(1), y: y(n).toFixed(1),
        width: (slot * 0.7).toFixed(1), height: (H - bottom - y(n)).toFixed(1),
        'data-day': String(b.start).slice(0, 10), 'data-scans': n },
      s('title', {}, `${dayName(b.start)}: ${plural(n, 'scan')}${b.bots ? `, ${plural(Number(b.bots), 'bot')}` : ''}`));
      svg.append(bar);
      const mid = Math.floor((buckets.length - 1) / 2);
      if (i === 0 || i === mid || i === buckets.length - 1) {
        const anchor = i === 0 ? 'start' : i === buckets.length - 1 ? 'end' : 'middle';
        const at = anchor === 'start' ? x : anchor === 'end' ? x + slot : x + slot / 2;
        svg.append(s('text', { x: at.toFixed(1), y: H - 8, 'text-anchor': anchor }, dayName(b.start)));
      }
    });
    return svg;
  }

  // ------------------------------------------------------------ the panel

  panel.replaceChildren(
    h('h2', {}, 'Dynamic codes'),
    h('p', { className: 'hint' }, 'A dynamic code holds a short link to this server. Change where it leads, or switch it off, without printing it again; its scans are counted.'),
    form, status, made, listTitle, count, list, more, statsBox);
  load();
  return { load };
}
