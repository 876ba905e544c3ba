// qrsmith web page, the Batch tab: a CSV to a ZIP of codes, or pictures (or a ZIP of them) to
// their results, as a job on the server whose progress the page polls.

import { $, say, errorText, networkText, api, keyedLink, whole } from './common.js';

const b = {
  form: $('b-form'),
  drop: $('b-drop'),
  dropText: $('b-drop-text'),
  file: $('b-file'),
  choose: $('b-choose'),
  chosen: $('b-chosen'),
  gen: $('b-gen'),
  dec: $('b-dec'),
  format: $('b-format'),
  size: $('b-size'),
  ec: $('b-ec'),
  start: $('b-start'),
  status: $('b-status'),
  job: $('b-job'),
  progress: $('b-progress'),
  counts: $('b-counts'),
  download: $('b-download'),
  cancel: $('b-cancel'),
  errors: $('b-errors'),
};
const JOBS_URL = '/api/v1/jobs';
const FINAL = ['succeeded', 'failed', 'cancelled'];
let files = []; // what the next job will upload
let watching = ''; // id of the job being shown; a poll for another one stops
let pollTimer = 0;

const kind = () => b.form.elements.type.value;
const isCsv = (f) => /\.csv$/i.test(f.name) || f.type === 'text/csv';

/** Sets the kind of job, and what the picker offers for it. */
function setKind(value) {
  b.form.elements.type.value = value;
  const gen = value === 'generate';
  b.gen.hidden = !gen;
  b.dec.hidden = gen;
  b.file.multiple = !gen;
  b.file.accept = gen ? '.csv,text/csv' : 'image/*,.zip,application/zip';
  b.dropText.textContent = gen ? 'Drop a CSV file here, or' : 'Drop pictures or a ZIP here, or';
  b.choose.textContent = gen ? 'Choose a CSV file…' : 'Choose pictures or a ZIP…';
  if (gen && files.length && !(files.length === 1 && isCsv(files[0]))) choose([]);
  if (!gen && files.some(isCsv)) choose([]);
}

function choose(list) {
  files = list;
  const size = list.reduce((n, f) => n + f.size, 0);
  b.chosen.textContent = list.length
    ? `${list.length === 1 ? list[0].name : `${list.length} files`} (${(size / 1024).toFixed(1)} KB)`
    : 'Nothing chosen yet.';
}

b.form.addEventListener('change', (e) => {
  if (e.target.name === 'type') setKind(kind());
});
b.file.addEventListener('change', () => {
  choose([...b.file.files]);
  b.file.value = '';
});

let bDepth = 0;
b.drop.addEventListener('dragenter', (e) => {
  e.preventDefault();
  bDepth += 1;
  b.drop.classList.add('over');
});
b.drop.addEventListener('dragover', (e) => e.preventDefault());
b.drop.addEventListener('dragleave', () => {
  bDepth = Math.max(0, bDepth - 1);
  if (bDepth === 0) b.drop.classList.remove('over');
});
b.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  bDepth = 0;
  b.drop.classList.remove('over');
  const list = e.dataTransfer ? [...e.dataTransfer.files] : [];
  if (!list.length) return;
  // The files say what the job is: one CSV makes codes, anything else is read.
  setKind(list.length === 1 && isCsv(list[0]) ? 'generate' : 'decode');
  choose(list);
  say(b.status, '');
});

b.form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const gen = kind() === 'generate';
  if (!files.length) {
    say(b.status, gen ? 'Choose a CSV file first.' : 'Choose some pictures or a ZIP first.', 'error');
    return;
  }
  const body = new FormData();
  body.append('type', kind());
  if (gen) {
    // Blank size: the server's default; a row's own cells win over these.
    const size = b.size.value.trim();
    if (size) {
      const n = whole(b.size, 'Size');
      if (n.error) {
        say(b.status, n.error, 'error');
        return;
      }
      body.append('size', String(n.value));
    }
    body.append('format', b.format.value);
    body.append('ec', b.ec.value);
  }
  files.forEach((f) => body.append('file', f, f.name));
  b.start.disabled = true;
  say(b.status, 'Sending…');
  try {
    const res = await api(JOBS_URL, { method: 'POST', body });
    if (!res.ok) {
      say(b.status, await errorText(res), 'error');
      return;
    }
    const job = await res.json();
    say(b.status, '');
    watch(job);
  } catch (err) {
    say(b.status, networkText(err), 'error');
  } finally {
    b.start.disabled = false;
  }
});

/** Shows a job and polls it until it is final: 250 ms, growing by half up to 3 s. */
function watch(job) {
  clearTimeout(pollTimer);
  watching = job.id;
  b.job.hidden = false;
  b.errors.replaceChildren();
  let delay = 250;
  const poll = async () => {
    try {
      const res = await api(`${JOBS_URL}/${encodeURIComponent(job.id)}`);
      if (watching !== job.id) return;
      if (res.status === 404) {
        say(b.status, await errorText(res), 'error');
        b.cancel.hidden = true;
        return;
      }
      if (res.ok) {
        if (!showJob(await res.json())) return;
      } else {
        say(b.status, `${await errorText(res)} Still trying…`, 'error');
      }
    } catch (err) {
      if (watching !== job.id) return;
      say(b.status, `${networkText(err)} Still trying…`, 'error');
    }
    delay = Math.min(delay * 1.5, 3000);
    pollTimer = setTimeout(poll, delay);
  };
  if (showJob(job)) pollTimer = setTimeout(poll, delay);
}

/** Draws a job's state; false once it is final (nothing more to wait for). */
function showJob(job) {
  if (job.id !== watching) return false;
  const total = Number(job.total) || 0;
  const done = Number(job.done) || 0;
  const failed = Number(job.failed) || 0;
  const final = FINAL.includes(job.status);
  b.progress.max = Math.max(total, 1);
  b.progress.value = Math.min(done, total);
  const what = job.type === 'decode' ? 'pictures' : 'rows';
  const state = {
    queued: 'Waiting to start',
    running: 'Working',
    succeeded: 'Done',
    failed: 'Failed',
    cancelled: 'Cancelled',
  }[job.status] || String(job.status);
  b.counts.textContent = `${state}: ${done} of ${total} ${what} done, ${failed} failed.`;
  b.cancel.hidden = final;

  const items = Array.isArray(job.errors) ? job.errors : [];
  const lis = items.map((x) => {
    const li = document.createElement('li');
    const which = job.type === 'decode' ? 'File' : 'Row';
    const name = x.name ? ` (${x.name})` : '';
    // Rows refused on arrival carry "row N: " already; say it once.
    li.textContent = `${which} ${x.row}${name}: ${String(x.message || x.code).replace(/^row \d+: /, '')}`;
    return li;
  });
  if (failed > items.length) {
    const li = document.createElement('li');
    const list = job.type === 'decode' ? 'results.csv' : 'manifest.csv';
    li.textContent = `…and ${failed - items.length} more; ${list} in the ZIP lists them all.`;
    lis.push(li);
  }
  b.errors.replaceChildren(...lis);

  if (job.status === 'succeeded' && job.result) {
    b.download.href = job.result;
    b.download.download = `qrsmith-${job.id}.zip`;
    b.download.hidden = false;
    say(b.status, failed ? `Finished; ${failed} failed, see below.` : 'Finished.', failed ? '' : 'ok');
  } else {
    b.download.hidden = true;
    b.download.removeAttribute('href');
    if (job.status === 'failed') say(b.status, job.error ? `The job failed: ${job.error}` : 'The job failed.', 'error');
    if (job.status === 'cancelled') say(b.status, 'The job was cancelled.');
  }
  return !final;
}

b.cancel.addEventListener('click', async () => {
  const id = watching;
  if (!id) return;
  try {
    const res = await api(`${JOBS_URL}/${encodeURIComponent(id)}`, { method: 'DELETE' });
    if (!res.ok) {
      say(b.status, await errorText(res), 'error');
      return;
    }
    clearTimeout(pollTimer);
    showJob(await res.json());
  } catch (err) {
    say(b.status, networkText(err), 'error');
  }
});
keyedLink(b.download, b.status);

// The kind of job a reload kept shows its own controls at once.
setKind(kind());
