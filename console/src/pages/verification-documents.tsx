import { useRef, useState } from "preact/hooks";
import { api, apiUpload, Problem } from "../api.ts";
import { Table, type Column } from "../data-table.tsx";
import { Field, formatDate, Loaded, useLoad } from "../ui.tsx";

interface VerificationDocument {
  id: string;
  kind: "registration_certificate" | "proof_of_address" | "other";
  content_type: "application/pdf" | "image/png" | "image/jpeg";
  size_bytes: number;
  uploaded_at: string;
}

const KINDS: Record<VerificationDocument["kind"], string> = {
  registration_certificate: "Registration certificate",
  proof_of_address: "Proof of address",
  other: "Other",
};

const TYPES: Record<VerificationDocument["content_type"], string> = { "application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG" };

const formatBytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

const columns: Column<VerificationDocument>[] = [
  { header: "Document", cell: (d) => KINDS[d.kind] },
  { header: "Type", cell: (d) => TYPES[d.content_type] },
  { header: "Size", cell: (d) => formatBytes(d.size_bytes), class: "num" },
  { header: "Uploaded", cell: (d) => formatDate(d.uploaded_at) },
];

const FILE_ID = "document-file";

/** What a refused upload says at the file input: the problem's title and the API's detail (wrong type, too large). */
function refusal(error: unknown): string | undefined {
  if (!error) return undefined;
  const p = error instanceof Problem ? error : new Problem(0, "The upload failed", "try again");
  return p.detail ? `${p.title}: ${p.detail}` : p.title;
}

/**
 * The case's business documents: the list, and (while the case can change) an upload of one file as the raw body.
 * The file's bytes are checked by the API alone, so a refusal shows exactly what the API said, at the file input.
 */
export function VerificationDocuments({ canUpload }: { canUpload: boolean }) {
  const list = useLoad(() => api<{ data: VerificationDocument[] }>("GET", "/verification/documents"), []);
  const fileInput = useRef<HTMLInputElement>(null);
  const [sent, setSent] = useState<{ bytes: number; of: number } | null>(null);
  const [outcome, setOutcome] = useState<{ error?: unknown; notice?: string }>({});

  const upload = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const file = fileInput.current?.files?.[0];
    if (!file) {
      setOutcome({ error: new Problem(0, "No file chosen", "choose a PDF, PNG or JPEG file first") });
      fileInput.current?.focus();
      return;
    }
    const kind = String(new FormData(form).get("kind"));
    setOutcome({});
    setSent({ bytes: 0, of: file.size });
    try {
      await apiUpload(`/verification/documents?kind=${encodeURIComponent(kind)}`, file, (bytes) => setSent({ bytes, of: file.size }));
      form.reset();
      setOutcome({ notice: `${file.name} is uploaded.` });
      list.reload();
    } catch (error) {
      setOutcome({ error });
      // Back to the input, whose description now carries the refusal: a screen reader reads it with the field.
      requestAnimationFrame(() => fileInput.current?.focus());
    } finally {
      setSent(null);
    }
  };

  const error = refusal(outcome.error);
  return (
    <section aria-labelledby="documents-title">
      <h3 id="documents-title">Business documents</h3>
      <Loaded state={list} empty={(l) => (l.data.length === 0 ? "No documents uploaded yet." : null)}>
        {(l) => <Table caption="Business documents" columns={columns} rows={l.data} rowKey={(d) => d.id} />}
      </Loaded>
      {canUpload && (
        <form class="upload-form" onSubmit={upload} aria-label="Upload a business document" aria-busy={sent !== null} noValidate>
          <div class="inline-form">
            <Field id="document-kind" label="What it shows">
              <select id="document-kind" name="kind" disabled={sent !== null}>
                {Object.entries(KINDS).map(([value, label]) => (
                  <option value={value} key={value}>
                    {label}
                  </option>
                ))}
              </select>
            </Field>
            <Field id={FILE_ID} label="File" hint="PDF, PNG or JPEG, at most 10 MB." error={error}>
              <input
                ref={fileInput}
                id={FILE_ID}
                name="file"
                type="file"
                accept="application/pdf,image/png,image/jpeg"
                disabled={sent !== null}
                aria-invalid={!!error}
                aria-describedby={error ? `${FILE_ID}-hint ${FILE_ID}-error` : `${FILE_ID}-hint`}
              />
            </Field>
            <button type="submit" disabled={sent !== null}>
              {sent ? "Uploading…" : "Upload"}
            </button>
          </div>
          {sent && <progress max={sent.of} value={sent.bytes} aria-label="Upload progress" />}
          {outcome.notice && (
            <p role="status" class="notice">
              {outcome.notice}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
