import { Badge, Button, Group, Paper, Stack, Text, Textarea } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { notifyError, notifySuccess } from "../../../components/notify.ts";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { formatDateTime } from "../../../lib/format.ts";
import { clinical, type Note } from "./clinicalApi.ts";

/**
 * Text from the record, shown as text. React escapes it; line breaks are kept by CSS. Never
 * dangerouslySetInnerHTML: a note that contains markup must show the markup, not run it.
 */
export function RecordText({ children }: { children: string | null | undefined }) {
  return (
    <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }} component="div">
      {children ?? ""}
    </Text>
  );
}

/** One note: its text, signature, addenda and (for the author) sign or add an addendum. */
export function NoteView({
  note,
  canWrite,
  onSign,
  onAddendum,
  onEdit,
}: {
  note: Note;
  canWrite: boolean;
  onSign?: () => Promise<void>;
  onAddendum?: (text: string) => Promise<void>;
  onEdit?: (text: string) => Promise<void>;
}) {
  const [addendum, setAddendum] = useState<string | null>(null);
  const [draft, setDraft] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    try {
      await fn();
    } catch (error) {
      notifyError(error);
    } finally {
      setBusy(false);
    }
  };
  const signed = note.status === "signed";
  return (
    <Paper withBorder p="sm" radius="md" aria-label="Note" component="article">
      <Group justify="space-between" mb={4}>
        <Text size="xs" c="dimmed">
          {note.authorLabel} · {formatDateTime(note.createdAt)}
        </Text>
        <Badge variant="light" color={signed ? "teal" : note.status === "draft" ? "yellow" : "gray"}>
          {signed ? `Signed ${formatDateTime(note.signedAt)}` : note.status}
        </Badge>
      </Group>
      {draft !== null ? (
        <Textarea
          label="Note"
          autosize
          minRows={4}
          value={draft}
          onChange={(e) => setDraft(e.currentTarget.value)}
        />
      ) : (
        <RecordText>{note.text}</RecordText>
      )}
      {note.addenda.map((a) => (
        <Paper key={a.id} withBorder p="xs" mt="xs" bg="gray.0" aria-label="Addendum">
          <Text size="xs" c="dimmed">
            Addendum · {a.authorLabel} · {formatDateTime(a.createdAt)}
          </Text>
          <RecordText>{a.text}</RecordText>
        </Paper>
      ))}
      {canWrite ? (
        <Group mt="xs" gap="xs">
          {note.status === "draft" && onEdit ? (
            draft === null ? (
              <Button size="xs" variant="default" onClick={() => setDraft(note.text)}>
                Edit draft
              </Button>
            ) : (
              <Button
                size="xs"
                loading={busy}
                onClick={() =>
                  run(async () => {
                    await onEdit(draft);
                    setDraft(null);
                  })
                }
              >
                Save draft
              </Button>
            )
          ) : null}
          {note.status === "draft" && onSign && draft === null ? (
            <Button size="xs" loading={busy} onClick={() => run(onSign)}>
              Sign note
            </Button>
          ) : null}
          {signed && onAddendum && addendum === null ? (
            <Button size="xs" variant="light" onClick={() => setAddendum("")}>
              Add addendum
            </Button>
          ) : null}
        </Group>
      ) : null}
      {addendum !== null && onAddendum ? (
        <Stack gap="xs" mt="xs">
          <Textarea
            label="Addendum"
            description="A signed note is locked; an addendum is added after it, with your name and the time."
            autosize
            minRows={2}
            value={addendum}
            onChange={(e) => setAddendum(e.currentTarget.value)}
          />
          <Group gap="xs">
            <Button
              size="xs"
              loading={busy}
              disabled={!addendum.trim()}
              onClick={() =>
                run(async () => {
                  await onAddendum(addendum.trim());
                  setAddendum(null);
                })
              }
            >
              Save addendum
            </Button>
            <Button size="xs" variant="default" onClick={() => setAddendum(null)}>
              Cancel
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Paper>
  );
}

/** The notes of one encounter, with a new draft for clinicians who write charts. */
export function NotesPanel({ encounterId, patientId }: { encounterId: string; patientId: string }) {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.chartWrite);
  const queryClient = useQueryClient();
  const key = ["patients", patientId, "notes", encounterId];
  const query = useQuery({ queryKey: key, queryFn: ({ signal }) => clinical.notes(encounterId, signal) });
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: key });

  if (query.isPending) return <Loading />;
  if (query.isError) return <LoadError error={query.error} onRetry={() => void query.refetch()} />;
  return (
    <Stack gap="sm">
      {query.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No notes for this encounter.
        </Text>
      ) : (
        query.data.map((note) => (
          <NoteView
            key={note.id}
            note={note}
            canWrite={canWrite}
            onEdit={async (value) => {
              await clinical.updateNote(note.id, value);
              await refresh();
            }}
            onSign={async () => {
              await clinical.signNote(note.id);
              notifySuccess("Note signed and locked.");
              await refresh();
            }}
            onAddendum={async (value) => {
              await clinical.addAddendum(note.id, value);
              notifySuccess("Addendum added.");
              await refresh();
            }}
          />
        ))
      )}
      {canWrite ? (
        <Stack gap="xs">
          <Textarea
            label="New note"
            autosize
            minRows={3}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
          />
          <Group>
            <Button
              size="sm"
              variant="light"
              loading={busy}
              disabled={!text.trim()}
              onClick={async () => {
                setBusy(true);
                try {
                  await clinical.createNote(encounterId, text.trim());
                  setText("");
                  notifySuccess("Draft note saved.");
                  await refresh();
                } catch (error) {
                  notifyError(error);
                } finally {
                  setBusy(false);
                }
              }}
            >
              Save draft note
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Stack>
  );
}
