/** Shared page bits: mark the current page in the navigation, and show uncaught errors on the page. */
export function setupPage(): void {
  const here = location.pathname.split("/").pop() || "index.html";
  for (const a of document.querySelectorAll<HTMLAnchorElement>("header nav a")) {
    if (a.getAttribute("href")?.endsWith(here)) a.setAttribute("aria-current", "page");
  }
}

/** Put `message` in element `el` as an error (role=alert, so screen readers announce it). */
export function showError(el: HTMLElement, message: string): void {
  el.textContent = message;
  el.classList.add("error");
  el.setAttribute("role", "alert");
}

/** Replace an element's children with text nodes and elements built by `h`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** Offer `bytes` as a file download named `name`. */
export function download(name: string, bytes: BlobPart, type = "application/octet-stream"): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
