// The Swagger UI as a person uses it, in headless Chromium: start the real service on a free
// port with a fresh database, check that the spec it serves is valid Swagger 2.0, get a token
// through POST /auth in the UI, authorize with it, then "Try it out" → fill → Execute every
// operation and assert the status the UI shows. `make e2e` runs it (see run.sh).
//
// BLOG_BINARY is the service's binary (run.sh builds it); CHROMIUM the browser
// (/usr/bin/chromium, Debian's package). A screenshot is kept in artifacts/.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { chromium } from 'playwright-core';

const binary = process.env.BLOG_BINARY;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = new URL('./artifacts/', import.meta.url).pathname;
if (!binary) throw new Error('set BLOG_BINARY to the blog-service binary (make e2e does)');

// A 1x1 PNG: the upload checks that the content really is an image.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const freePort = () => new Promise((resolve, reject) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  }).on('error', reject);
});

// startService runs the binary in its own directory (its SQLite database and uploads go
// there) in debug mode, which seeds the demo credential, and waits for /healthz.
async function startService(dir) {
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BLOG_')));
  const log = [];
  const proc = spawn(binary, ['-port', String(port), '-mode', 'debug'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [proc.stdout, proc.stderr]) stream.on('data', (d) => log.push(d.toString()));
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not listening yet */ }
    if (proc.exitCode !== null || i > 300) throw new Error(`the service did not start:\n${log.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { base, log, stop };
}

// validateSpecs checks the served /swagger/doc.json and docs/swagger.json with
// swagger-parser: the Swagger 2.0 JSON schema and its semantic checks (unique operationIds,
// path parameters declared, ...).
async function validateSpecs(base) {
  const served = await (await fetch(`${base}/swagger/doc.json`)).json();
  await SwaggerParser.validate(served);
  const committed = JSON.parse(await readFile(new URL('../docs/swagger.json', import.meta.url), 'utf8'));
  await SwaggerParser.validate(committed);
  console.log('ok   the served /swagger/doc.json and docs/swagger.json are valid Swagger 2.0');
}

const results = [];

// execute opens an operation, fills its parameters and body as a person would, presses
// Execute and checks the status the UI shows; it returns the response body the UI shows.
async function execute(page, opId, { params = {}, body, file, want }) {
  const op = page.locator(`.opblock[id$="-${opId}"]`);
  if (!(await op.locator('.opblock-body').count())) await op.locator('.opblock-summary-control').click();
  const tryOut = op.locator('.try-out__btn');
  if ((await tryOut.innerText()).trim() === 'Try it out') await tryOut.click();
  const clear = op.locator('.btn-clear');
  if (await clear.count()) await clear.click(); // a previous run's answer
  for (const [name, value] of Object.entries(params)) {
    const row = op.locator(`tr[data-param-name="${name}"]`);
    if (await row.locator('select').count()) await row.locator('select').selectOption(String(value));
    else await row.locator('input').fill(String(value));
  }
  if (body !== undefined) await op.locator('textarea.body-param__text').fill(body);
  if (file) await op.locator('tr[data-param-name="file"] input[type=file]').setInputFiles(file);
  await op.locator('button.execute').click();
  const cell = op.locator('.live-responses-table .response .response-col_status').first();
  await cell.waitFor({ timeout: 30_000 });
  const shown = (await cell.innerText()).trim();
  const text = await op.locator('.live-responses-table .response-col_description pre.microlight').first().innerText().catch(() => '');
  const method = (await op.locator('.opblock-summary-method').innerText()).trim();
  const path = await op.locator('.opblock-summary-path').getAttribute('data-path');
  const ok = shown === String(want); // an undocumented status shows as "418 Undocumented"
  results.push({ ok, line: `${method} ${path} (${opId}) → ${shown.replace(/\s+/g, ' ')}${ok ? '' : `, want ${want}: ${text}`}` });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${results.at(-1).line}`);
  return text;
}

async function authorize(page, scheme, value) {
  await page.locator('.auth-wrapper button.authorize').click();
  const form = page.locator('.auth-container', { has: page.locator(`h4 code:text-is("${scheme}")`) });
  await form.locator('input[type=text]').fill(value);
  await form.locator('button.authorize').click();
  await page.locator('.modal-ux .btn-done').first().click();
}

async function main() {
  await mkdir(artifacts, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'blog-e2e-'));
  const cover = join(dir, 'cover.png');
  await writeFile(cover, png);
  const svc = await startService(dir);
  const browser = await chromium.launch({
    executablePath,
    // As root in a sandboxed machine with no network beyond loopback.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  try {
    await validateSpecs(svc.base);
    await page.goto(`${svc.base}/swagger/index.html`);
    await page.waitForSelector('.opblock');

    await execute(page, 'getLiveness', { want: 200 });
    await execute(page, 'getReadiness', { want: 200 });
    await execute(page, 'listTags', { want: 401 }); // not authorized yet
    // The example body is the demo credential: executed as shown, it gets the token.
    const { token } = JSON.parse(await execute(page, 'issueToken', { want: 200 }));
    await authorize(page, 'TokenHeader', token);

    // The examples are executed as shown; only the ids are filled in.
    const tag = JSON.parse(await execute(page, 'createTag', { want: 200 }));
    await execute(page, 'listTags', { want: 200 });
    await execute(page, 'getTag', { params: { id: tag.id }, want: 200 });
    await execute(page, 'updateTag', { params: { id: tag.id }, want: 200 });
    await execute(page, 'updateTagState', { params: { id: tag.id }, want: 200 });
    await execute(page, 'slowWork', { want: 200 });
    const article = JSON.parse(await execute(page, 'createArticle', { want: 200 }));
    await execute(page, 'listArticles', { params: { tag_id: tag.id }, want: 200 });
    await execute(page, 'getArticle', { params: { id: article.id }, want: 200 });
    await execute(page, 'updateArticle', { params: { id: article.id }, want: 200 });
    await execute(page, 'updateArticleState', { params: { id: article.id }, want: 200 });
    const upload = JSON.parse(await execute(page, 'uploadFile', { params: { type: 1 }, file: cover, want: 200 }));
    const image = await fetch(new URL(upload.file_access_url, svc.base));
    results.push({ ok: image.ok, line: `GET ${upload.file_access_url} (the uploaded image) → ${image.status}` });
    console.log(`${image.ok ? 'ok  ' : 'FAIL'} ${results.at(-1).line}`);
    await execute(page, 'deleteTag', { params: { id: tag.id }, want: 409 }); // the article uses it
    await execute(page, 'deleteArticle', { params: { id: article.id }, want: 200 });
    await execute(page, 'deleteTag', { params: { id: tag.id }, want: 200 });
    await execute(page, 'getTag', { params: { id: tag.id }, want: 404 });
  } catch (err) {
    results.push({ ok: false, line: `stopped: ${err.message}` });
    console.log(`FAIL stopped: ${err.stack}`);
  } finally {
    await page.screenshot({ path: join(artifacts, 'swagger-ui.png'), fullPage: true }).catch(() => {});
    await page.locator('.opblock[id$="-getTag"]').screenshot({ path: join(artifacts, 'get-tag-404.png') }).catch(() => {});
    await browser.close();
    await svc.stop();
  }
  for (const msg of pageErrors) results.push({ ok: false, line: `the page threw: ${msg}` });
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    console.log(`\nfailures:\n${failed.map((r) => `  ${r.line}`).join('\n')}\n\nservice log:\n${svc.log.join('').slice(-4000)}`);
  } else {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`screenshots: ${join(artifacts, 'swagger-ui.png')} (the whole page), get-tag-404.png`);
  console.log(`e2e: ${results.length - failed.length} passed, ${failed.length} failed`);
  process.exitCode = failed.length ? 1 : 0;
}

await main();
