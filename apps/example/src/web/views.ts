import type { SessionInfo } from '@sessiontoken/core';
import type { CartLine } from '../cart-store.js';
import { CATALOG, formatPrice } from '../catalog.js';
import { SafeHtml, html } from './html.js';

const STYLE = `
  :root { color-scheme: light; --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --accent: #2f6f4f; --accent-ink: #fff; --bg: #f7f5f0; --card: #fff; --warn: #8a2c0d; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
  header { background: var(--card); border-bottom: 1px solid var(--line); }
  .bar { max-width: 60rem; margin: 0 auto; padding: .75rem 1.25rem; display: flex; align-items: center; gap: 1.5rem; }
  .brand { font-weight: 700; font-size: 1.2rem; color: var(--accent); text-decoration: none; margin-right: auto; }
  nav a { color: var(--ink); text-decoration: none; margin-left: 1rem; }
  nav a[aria-current="page"] { font-weight: 600; border-bottom: 2px solid var(--accent); }
  main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
  h1 { font-size: 1.6rem; margin: 0 0 1rem; }
  h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; }
  .notice { padding: .75rem 1rem; border-radius: .5rem; background: #fff4e5; color: var(--warn); border: 1px solid #f5c89a; margin-bottom: 1rem; }
  .notice.ok { background: #e8f5ee; color: var(--accent); border-color: #b7dec8; }
  .products { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: 1rem; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: .75rem; padding: 1rem; display: flex; flex-direction: column; gap: .35rem; }
  .card h3 { margin: 0; font-size: 1.05rem; }
  .card p { margin: 0; color: var(--muted); font-size: .9rem; }
  .price { font-weight: 600; }
  .card form { margin-top: auto; padding-top: .5rem; }
  button { font: inherit; cursor: pointer; border-radius: .4rem; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink); padding: .4rem .9rem; }
  button.secondary { background: transparent; color: var(--accent); }
  button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid #7fb89a; outline-offset: 2px; }
  table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: .75rem; overflow: hidden; }
  th, td { text-align: left; padding: .6rem .9rem; border-bottom: 1px solid var(--line); }
  td.num, th.num { text-align: right; }
  tfoot td { font-weight: 700; border-bottom: 0; }
  form.inline { display: inline; }
  .login { max-width: 24rem; background: var(--card); border: 1px solid var(--line); border-radius: .75rem; padding: 1.5rem; }
  label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
  input { width: 100%; font: inherit; padding: .5rem .6rem; border: 1px solid #9fb3c8; border-radius: .4rem; }
  .login button { margin-top: 1.25rem; width: 100%; padding: .6rem; }
  .hint { color: var(--muted); font-size: .9rem; margin-top: 1rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1.5rem; background: var(--card); border: 1px solid var(--line); border-radius: .75rem; padding: 1rem 1.25rem; }
  dt { font-weight: 600; color: var(--muted); }
  dd { margin: 0; }
  footer { max-width: 60rem; margin: 0 auto; padding: 0 1.25rem 2rem; color: var(--muted); font-size: .85rem; }
`;

export interface PageChrome {
  readonly title: string;
  readonly backend: string;
  readonly current?: 'shop' | 'session';
  readonly signedIn: boolean;
  readonly cartCount?: number;
}

function layout(chrome: PageChrome, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${chrome.title} · Teahouse</title>
        <style>
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <div class="bar">
            <a class="brand" href="/">Teahouse</a>
            ${
              chrome.signedIn
                ? html`<nav aria-label="Main">
                      <a href="/cart" ${chrome.current === 'shop' ? html`aria-current="page"` : ''}
                        >Shop &amp;
                        cart${chrome.cartCount ? html` (<span data-testid="cart-count">${chrome.cartCount}</span>)` : ''}</a
                      >
                      <a href="/session" ${chrome.current === 'session' ? html`aria-current="page"` : ''}
                        >Your session</a
                      >
                    </nav>
                    <form class="inline" method="post" action="/logout">
                      <button class="secondary" type="submit">Log out</button>
                    </form>`
                : ''
            }
          </div>
        </header>
        <main id="main">${body}</main>
        <footer>Sessions by sessiontoken · backend: <span data-testid="backend">${chrome.backend}</span></footer>
      </body>
    </html>`.value;
}

function notice(message: string | undefined, kind: 'warn' | 'ok' = 'warn'): SafeHtml | string {
  return message
    ? html`<p
        class="notice${kind === 'ok' ? ' ok' : ''}"
        role="${kind === 'ok' ? 'status' : 'alert'}"
        data-testid="notice"
      >
        ${message}
      </p>`
    : '';
}

export function loginPage(options: {
  backend: string;
  loginLabel: string;
  demoUser: { login: string; password: string } | null;
  message?: string;
  login?: string;
}): string {
  const inputType = options.loginLabel.toLowerCase() === 'email' ? 'email' : 'text';
  return layout(
    { title: 'Log in', backend: options.backend, signedIn: false },
    html`<h1>Log in</h1>
      ${notice(options.message)}
      <form class="login" method="post" action="/login">
        <label for="login">${options.loginLabel}</label>
        <input
          id="login"
          name="login"
          type="${inputType}"
          autocomplete="username"
          required
          value="${options.login ?? ''}"
        />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Log in</button>
        ${options.demoUser ? html`<p class="hint">Demo account: <code>${options.demoUser.login}</code> / <code>${options.demoUser.password}</code></p>` : ''}
      </form>`,
  );
}

export function cartPage(options: {
  backend: string;
  session: SessionInfo;
  displayName: string;
  lines: readonly CartLine[];
  message?: string;
}): string {
  const count = options.lines.reduce((n, line) => n + line.quantity, 0);
  const total = options.lines.reduce((n, line) => n + line.quantity * line.product.priceCents, 0);
  return layout(
    { title: 'Shop', backend: options.backend, current: 'shop', signedIn: true, cartCount: count },
    html`<h1>Welcome back, <span data-testid="subject">${options.displayName}</span></h1>
      ${notice(options.message, 'ok')}
      <section aria-labelledby="products-heading">
        <h2 id="products-heading">Products</h2>
        <ul class="products">
          ${CATALOG.map(
            (product) =>
              html`<li class="card">
                <h3>${product.name}</h3>
                <p>${product.description}</p>
                <span class="price">${formatPrice(product.priceCents)}</span>
                <form method="post" action="/cart/add">
                  <input type="hidden" name="sku" value="${product.sku}" /><button
                    type="submit"
                    aria-label="Add ${product.name} to cart"
                  >
                    Add to cart
                  </button>
                </form>
              </li>`,
          )}
        </ul>
      </section>
      <section aria-labelledby="cart-heading">
        <h2 id="cart-heading">Your cart</h2>
        ${
          options.lines.length === 0
            ? html`<p data-testid="cart-empty">Your cart is empty.</p>`
            : html`<table data-testid="cart">
                <thead>
                  <tr>
                    <th scope="col">Item</th>
                    <th scope="col" class="num">Quantity</th>
                    <th scope="col" class="num">Price</th>
                    <th scope="col"><span hidden>Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${options.lines.map(
                    (line) =>
                      html`<tr data-sku="${line.product.sku}">
                        <td>${line.product.name}</td>
                        <td class="num" data-testid="quantity">${line.quantity}</td>
                        <td class="num">${formatPrice(line.quantity * line.product.priceCents)}</td>
                        <td>
                          <form class="inline" method="post" action="/cart/remove">
                            <input type="hidden" name="sku" value="${line.product.sku}" /><button
                              class="secondary"
                              type="submit"
                              aria-label="Remove ${line.product.name}"
                            >
                              Remove
                            </button>
                          </form>
                        </td>
                      </tr>`,
                  )}
                </tbody>
                <tfoot>
                  <tr>
                    <td>Total</td>
                    <td class="num">${count}</td>
                    <td class="num" data-testid="total">${formatPrice(total)}</td>
                    <td></td>
                  </tr>
                </tfoot>
              </table>`
        }
      </section>`,
  );
}

export function sessionPage(options: {
  backend: string;
  session: SessionInfo;
  displayName: string;
  jwtExpiresAt: Date | null;
  cartCount: number;
}): string {
  const { session } = options;
  return layout(
    {
      title: 'Your session',
      backend: options.backend,
      current: 'session',
      signedIn: true,
      cartCount: options.cartCount,
    },
    html`<h1>Your session</h1>
      <dl data-testid="session">
        <dt>Signed in as</dt>
        <dd>${options.displayName}</dd>
        <dt>Session</dt>
        <dd><code>${session.sessionId}</code></dd>
        <dt>Since</dt>
        <dd>${formatDate(session.startedAt)}</dd>
        <dt>Expires</dt>
        <dd data-testid="expires">${formatDate(session.expiresAt)}</dd>
        <dt>Last seen</dt>
        <dd>${formatDate(session.lastAccessedAt)}</dd>
        ${
          options.jwtExpiresAt
            ? html`<dt>Session JWT expires</dt>
                <dd data-testid="jwt-expires">${formatDate(options.jwtExpiresAt)}</dd>`
            : ''
        }
        <dt>Backend</dt>
        <dd>${options.backend}</dd>
      </dl>`,
  );
}

export function errorPage(options: { backend: string; title: string; message: string }): string {
  return layout(
    { title: options.title, backend: options.backend, signedIn: false },
    html`<h1>${options.title}</h1>
      ${notice(options.message)}
      <p><a href="/">Back to the shop</a></p>`,
  );
}

function formatDate(date: Date | null): string {
  return date
    ? date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
    : 'unknown';
}
