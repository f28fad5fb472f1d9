/**
 * Encrypts tenant secrets at rest with AES-256-GCM (WebCrypto). The key is derived from the
 * configured secret key with SHA-256; each value gets a fresh 96-bit nonce. Sealed form:
 * base64(nonce || ciphertext+tag).
 */
export class SecretBox {
  readonly #key: Promise<CryptoKey>;

  constructor(secretKey: string) {
    if (secretKey.length < 32) throw new Error("the secret key must be at least 32 characters");
    this.#key = crypto.subtle
      .digest("SHA-256", new TextEncoder().encode(secretKey))
      .then((raw) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
  }

  async seal(plaintext: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await this.#key, new TextEncoder().encode(plaintext)));
    return toBase64(new Uint8Array([...iv, ...sealed]));
  }

  async open(sealed: string): Promise<string> {
    const bytes = fromBase64(sealed);
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12) }, await this.#key, bytes.slice(12));
    return new TextDecoder().decode(plain);
  }
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
