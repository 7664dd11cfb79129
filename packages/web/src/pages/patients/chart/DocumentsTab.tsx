import {
  Alert,
  Anchor,
  Badge,
  Button,
  FileInput,
  Group,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { notifyError, notifySuccess } from "../../../components/notify.ts";
import { errorMessage, LoadError, Loading } from "../../../components/QueryState.tsx";
import { formatDateTime } from "../../../lib/format.ts";
import {
  type ChartDocument,
  clinical,
  documentContentUrl,
  fetchDocumentContent,
  uploadDocument,
} from "./clinicalApi.ts";
import { fileSize, viewerKind } from "./logic.ts";

const CATEGORIES = [
  { value: "clinical-note", label: "Clinical note" },
  { value: "lab-result", label: "Lab result" },
  { value: "imaging", label: "Imaging" },
  { value: "referral", label: "Referral" },
  { value: "consent", label: "Signed consent" },
  { value: "insurance", label: "Insurance card" },
  { value: "correspondence", label: "Correspondence" },
  { value: "other", label: "Other" },
];

/** Scanned and uploaded documents: PDFs and images open inline, other types download. */
export function DocumentsTab({ patientId }: { patientId: string }) {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.chartWrite);
  const queryClient = useQueryClient();
  const key = ["patients", patientId, "documents"];
  const query = useQuery({ queryKey: key, queryFn: ({ signal }) => clinical.documents(patientId, signal) });
  const [viewing, setViewing] = useState<ChartDocument | null>(null);
  const [uploading, setUploading] = useState(false);
  const [errorFor, setErrorFor] = useState<ChartDocument | null>(null);

  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="h4">
          Documents
        </Title>
        {canWrite && !uploading ? (
          <Button variant="light" onClick={() => setUploading(true)}>
            Upload document
          </Button>
        ) : null}
      </Group>
      {uploading ? (
        <UploadForm
          onCancel={() => setUploading(false)}
          onSubmit={async (file, meta) => {
            await uploadDocument(patientId, file, meta);
            await queryClient.invalidateQueries({ queryKey: key });
            notifySuccess(`${meta.title} uploaded.`);
            setUploading(false);
          }}
        />
      ) : null}
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No documents.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="xs" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Title</Table.Th>
                <Table.Th scope="col">Category</Table.Th>
                <Table.Th scope="col">File</Table.Th>
                <Table.Th scope="col">Uploaded</Table.Th>
                {canWrite ? <Table.Th scope="col">Actions</Table.Th> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.map((d) => {
                const wrong = d.status === "entered-in-error";
                return (
                  <Table.Tr
                    key={d.id}
                    style={wrong ? { textDecoration: "line-through", opacity: 0.6 } : undefined}
                  >
                    <Table.Td>
                      <Anchor component="button" type="button" size="sm" onClick={() => setViewing(d)}>
                        {d.title}
                      </Anchor>
                      {wrong ? (
                        <Badge ml="xs" color="gray">
                          Entered in error
                        </Badge>
                      ) : null}
                    </Table.Td>
                    <Table.Td>{CATEGORIES.find((c) => c.value === d.category)?.label ?? d.category}</Table.Td>
                    <Table.Td>
                      {d.filename} · {fileSize(d.sizeBytes)}
                    </Table.Td>
                    <Table.Td>{formatDateTime(d.createdAt)}</Table.Td>
                    {canWrite ? (
                      <Table.Td>
                        {wrong ? null : (
                          <Button
                            size="compact-xs"
                            variant="subtle"
                            color="red"
                            onClick={() => setErrorFor(d)}
                          >
                            Entered in error
                          </Button>
                        )}
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={viewing !== null} onClose={() => setViewing(null)} title={viewing?.title} size="80%">
        {viewing ? <DocumentViewer document={viewing} /> : null}
      </Modal>
      <Modal opened={errorFor !== null} onClose={() => setErrorFor(null)} title="Mark entered in error">
        {errorFor ? (
          <ReasonForm
            onCancel={() => setErrorFor(null)}
            onSubmit={async (reason) => {
              await clinical.documentInError(errorFor.id, reason);
              await queryClient.invalidateQueries({ queryKey: key });
              setErrorFor(null);
            }}
          />
        ) : null}
      </Modal>
    </Paper>
  );
}

/** Asks for the reason something is marked entered in error. */
export function ReasonForm({
  onSubmit,
  onCancel,
}: {
  onSubmit: (reason: string) => Promise<void>;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <Stack>
      <Textarea
        label="Reason"
        description="It stays in the history, struck through, with this reason."
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
        data-autofocus
      />
      <Group justify="flex-end">
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
        <Button
          color="red"
          loading={busy}
          disabled={!reason.trim()}
          onClick={async () => {
            setBusy(true);
            try {
              await onSubmit(reason.trim());
            } catch (error) {
              notifyError(error);
              setBusy(false);
            }
          }}
        >
          Mark entered in error
        </Button>
      </Group>
    </Stack>
  );
}

/** Largest upload the page lets through before asking the server (the server enforces its own limit). */
const MAX_BYTES = 20 * 1024 * 1024;

function UploadForm({
  onSubmit,
  onCancel,
}: {
  onSubmit: (file: File, meta: { title: string; category: string }) => Promise<void>;
  onCancel: () => void;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [title, setTitle] = useState("");
  const [category, setCategory] = useState<string | null>("clinical-note");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return setError("Choose a file.");
    if (file.size > MAX_BYTES)
      return setError(`The file is ${fileSize(file.size)}; the limit is ${fileSize(MAX_BYTES)}.`);
    setBusy(true);
    setError(null);
    try {
      await onSubmit(file, { title: title.trim() || file.name, category: category ?? "other" });
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Upload document">
      <Stack mb="md" maw={720}>
        <FormError message={error} />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <FileInput
            label="File"
            description="PDF, PNG, JPEG, GIF, TIFF, Word (.docx) or plain text"
            required
            value={file}
            onChange={(f) => {
              setFile(f);
              if (f && !title) setTitle(f.name.replace(/\.[^.]+$/, ""));
            }}
          />
          <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} />
          <Select
            label="Category"
            data={CATEGORIES}
            value={category}
            onChange={setCategory}
            allowDeselect={false}
          />
        </SimpleGrid>
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Upload
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * Shows a document from a blob: URL. PDFs go in a sandboxed iframe (no scripts, no forms, no navigation of
 * the app) and images in an <img>; anything else is offered as a download, never rendered, so an uploaded
 * HTML or SVG file cannot run in the app's origin. The blob URL is revoked when the viewer closes.
 */
export function DocumentViewer({ document: doc }: { document: ChartDocument }) {
  const kind = viewerKind(doc.contentType);
  const content = useQuery({
    queryKey: ["documents", doc.id, "content"],
    queryFn: ({ signal }) => fetchDocumentContent(doc.id, signal),
    enabled: kind !== "download",
    gcTime: 0,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!content.data) return;
    // The type comes from the list answer the server checked, not from whatever the bytes claim.
    const typed = new Blob([content.data], { type: kind === "pdf" ? "application/pdf" : doc.contentType });
    const next = URL.createObjectURL(typed);
    setUrl(next);
    return () => URL.revokeObjectURL(next);
  }, [content.data, kind, doc.contentType]);

  const download = (
    <Button component="a" href={documentContentUrl(doc.id)} download={doc.filename} variant="light">
      Download {doc.filename}
    </Button>
  );
  if (kind === "download") {
    return (
      <Stack align="flex-start">
        <Text size="sm">
          This kind of file ({doc.contentType}) is not shown in Salus. Download it to open it.
        </Text>
        {download}
      </Stack>
    );
  }
  if (content.isError) {
    return (
      <Alert color="red" role="alert" title="Could not open the document">
        {errorMessage(content.error)}
      </Alert>
    );
  }
  if (!url) return <Loading label="Opening the document…" />;
  return (
    <Stack>
      {kind === "image" ? (
        <img src={url} alt={doc.title} style={{ maxWidth: "100%", height: "auto" }} />
      ) : (
        <iframe src={url} title={doc.title} sandbox="" style={{ width: "100%", height: "75vh", border: 0 }} />
      )}
      <Group>{download}</Group>
    </Stack>
  );
}
