/**
 * Just enough CMS (PKCS#7 SignedData, DER) for a device: take the content out
 * of a signed .mobileconfig, and check a supervisor's signature over an
 * Escalate challenge. node-forge parses the ASN.1 (its pkcs7 module cannot
 * verify); Node's crypto checks the signature with the certificate's key, so
 * RSA and ECDSA supervision identities both work.
 */
import { X509Certificate, createHash, verify } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
type Node = forge.asn1.Asn1;

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export interface SignerInfo {
  /** Node's name for the digest algorithm, or null when unknown. */
  digest: string | null;
  /** The signed attributes as DER (re-tagged as the SET that was signed), or null when the content itself was signed. */
  signedAttributes: Buffer | null;
  /** The messageDigest attribute, when there are signed attributes. */
  messageDigest: Buffer | null;
  signature: Buffer;
}

export interface SignedData {
  /** The encapsulated content, null when detached. */
  content: Buffer | null;
  signers: SignerInfo[];
}

export class CmsError extends Error {}

function children(node: Node | undefined, what: string): Node[] {
  if (!node || !Array.isArray(node.value)) throw new CmsError(`CMS: ${what} is not a constructed value`);
  return node.value;
}

function bytes(node: Node): Buffer {
  // An OCTET STRING may arrive constructed (BER chunks): its value is the concatenation.
  if (Array.isArray(node.value)) return Buffer.concat(node.value.map(bytes));
  return Buffer.from(node.value, 'binary');
}

function oid(node: Node | undefined): string {
  if (!node || node.type !== asn1.Type.OID || typeof node.value !== 'string') throw new CmsError('CMS: expected an object identifier');
  return asn1.derToOid(node.value);
}

function isContext(node: Node | undefined, tag: number): boolean {
  return node !== undefined && node.tagClass === asn1.Class.CONTEXT_SPECIFIC && node.type === tag;
}

function parseSigner(node: Node): SignerInfo {
  const parts = children(node, 'SignerInfo');
  // version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature, [1] unsignedAttrs?
  let index = 2;
  const digest = DIGESTS[oid(children(parts[index++], 'digestAlgorithm')[0])] ?? null;
  let signedAttributes: Buffer | null = null;
  let messageDigest: Buffer | null = null;
  if (isContext(parts[index], 0)) {
    const attributes = children(parts[index++], 'signedAttrs');
    signedAttributes = Buffer.from(asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, attributes)).getBytes(), 'binary');
    for (const attribute of attributes) {
      const [type, values] = children(attribute, 'Attribute');
      if (oid(type) === OID_MESSAGE_DIGEST) messageDigest = bytes(children(values, 'messageDigest')[0]!);
    }
  }
  index += 1; // signatureAlgorithm: the key's type decides (RSA PKCS#1 v1.5 or ECDSA)
  const signature = parts[index];
  if (!signature) throw new CmsError('CMS: SignerInfo without a signature');
  return { digest, signedAttributes, messageDigest, signature: bytes(signature) };
}

/** Parses a DER ContentInfo holding SignedData. Throws CmsError when it is something else. */
export function parseSignedData(der: Uint8Array): SignedData {
  let root: Node;
  try {
    root = asn1.fromDer(forge.util.createBuffer(Buffer.from(der).toString('binary')));
  } catch (error) {
    throw new CmsError(`CMS: not DER (${error instanceof Error ? error.message : String(error)})`);
  }
  const [type, explicit] = children(root, 'ContentInfo');
  if (oid(type) !== OID_SIGNED_DATA) throw new CmsError('CMS: not SignedData');
  const signedData = children(children(explicit, 'ContentInfo content')[0], 'SignedData');
  const encapsulated = children(signedData[2], 'encapContentInfo');
  const content = encapsulated[1] ? bytes(children(encapsulated[1], 'eContent')[0]!) : null;
  const signerSet = signedData[signedData.length - 1];
  if (!signerSet || signerSet.tagClass !== asn1.Class.UNIVERSAL || signerSet.type !== asn1.Type.SET) throw new CmsError('CMS: no signerInfos');
  return { content, signers: children(signerSet, 'signerInfos').map(parseSigner) };
}

/**
 * Whether `der` is SignedData over exactly `expected`, signed by the key of
 * `certificateDer`. Never throws: anything malformed is simply not verified.
 */
export function verifySignedContent(der: Uint8Array, expected: Uint8Array, certificateDer: Uint8Array): boolean {
  try {
    const parsed = parseSignedData(der);
    if (parsed.content === null || !parsed.content.equals(Buffer.from(expected))) return false;
    const key = new X509Certificate(Buffer.from(certificateDer)).publicKey;
    return parsed.signers.some((signer) => {
      if (signer.digest === null) return false;
      if (signer.signedAttributes !== null) {
        const digest = createHash(signer.digest).update(parsed.content!).digest();
        if (signer.messageDigest === null || !signer.messageDigest.equals(digest)) return false;
      }
      return verify(signer.digest, signer.signedAttributes ?? parsed.content!, key, signer.signature);
    });
  } catch {
    return false;
  }
}
