// The page's CSP nonce for styles, stamped by the API into a meta tag of each answer.
// Everything that inserts a <style> element (emotion, the data grid) must carry it.
const content = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content;

export const cspNonce: string | undefined = content && !content.startsWith("__") ? content : undefined;
