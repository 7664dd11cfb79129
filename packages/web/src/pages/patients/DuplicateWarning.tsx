import { Alert, Anchor, Button, Group, List, Stack, Text } from "@mantine/core";
import { Link } from "react-router-dom";
import { formatDate, personName } from "../../lib/format.ts";
import type { DuplicateCandidate } from "./chart/recordsApi.ts";

/** "This may be a patient you already have": the candidates, each a link, and "Create anyway". */
export function DuplicateWarning({
  candidates,
  busy,
  onCreateAnyway,
}: {
  candidates: DuplicateCandidate[];
  busy: boolean;
  onCreateAnyway: () => void;
}) {
  return (
    <Alert color="yellow" variant="light" title="This patient may already be in Salus" role="alert">
      <Stack gap="xs">
        <Text size="sm">
          Open the existing record if it is the same person. Create a new one only if you are sure it is
          someone else.
        </Text>
        {candidates.length ? (
          <List size="sm" spacing={4}>
            {candidates.map((c) => (
              <List.Item key={c.id}>
                <Anchor component={Link} to={`/patients/${c.id}`}>
                  {personName(c)}
                </Anchor>{" "}
                · MRN {c.mrn} · born {formatDate(c.dateOfBirth)}
                {c.reasons?.length ? ` · same ${c.reasons.join(", ")}` : ""}
              </List.Item>
            ))}
          </List>
        ) : null}
        <Group>
          <Button color="yellow" variant="filled" loading={busy} onClick={onCreateAnyway}>
            Create anyway
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

/** The candidates carried by a 409 possible_duplicate answer, wherever the server put them. */
export function candidatesOf(details: unknown): DuplicateCandidate[] | null {
  if (!Array.isArray(details)) return null;
  const out: DuplicateCandidate[] = [];
  for (const d of details) {
    const nested = (d as { candidates?: unknown })?.candidates;
    if (Array.isArray(nested)) out.push(...(nested as DuplicateCandidate[]));
    else if (
      d &&
      typeof (d as DuplicateCandidate).id === "string" &&
      typeof (d as DuplicateCandidate).mrn === "string"
    )
      out.push(d as DuplicateCandidate);
  }
  return out.length ? out : null;
}
