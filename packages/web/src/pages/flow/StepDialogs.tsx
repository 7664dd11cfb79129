import { Alert, Button, Checkbox, Group, Modal, NumberInput, Radio, Stack, Text } from "@mantine/core";
import type { RoomView as Room } from "@salus/server/directory/schemas";
import { useEffect, useState } from "react";
import type { BoardVisit } from "./api.ts";
import { parseMinutesLate } from "./logic.ts";

/** Check-in: the desk confirms demographics and insurance as it checks the patient in. */
export function CheckInDialog({
  visit,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  visit: BoardVisit | null;
  busy: boolean;
  error: string | null;
  onConfirm: (confirmed: { demographicsConfirmed: boolean; insuranceConfirmed: boolean }) => void;
  onClose: () => void;
}) {
  const [demographics, setDemographics] = useState(false);
  const [insurance, setInsurance] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: start unticked for each patient
  useEffect(() => {
    setDemographics(false);
    setInsurance(false);
  }, [visit?.appointmentId]);
  return (
    <Modal
      opened={visit !== null}
      onClose={onClose}
      title={visit ? `Check in ${visit.patientName}` : ""}
      closeButtonProps={{ "aria-label": "Close" }}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm({ demographicsConfirmed: demographics, insuranceConfirmed: insurance });
        }}
      >
        <Stack gap="sm">
          <Checkbox
            label="Demographics confirmed (address, phone, contact)"
            checked={demographics}
            onChange={(e) => setDemographics(e.currentTarget.checked)}
          />
          <Checkbox
            label="Insurance confirmed (card seen, coverage current)"
            checked={insurance}
            onChange={(e) => setInsurance(e.currentTarget.checked)}
          />
          {!demographics || !insurance ? (
            <Text size="xs" c="dimmed">
              You can check in without both confirmations; what was not confirmed is recorded as such.
            </Text>
          ) : null}
          {error ? (
            <Alert color="red" role="alert" variant="light">
              {error}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Check in
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Rooming: pick the room the patient goes to. */
export function RoomDialog({
  visit,
  rooms,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  visit: BoardVisit | null;
  rooms: Room[];
  busy: boolean;
  error: string | null;
  onConfirm: (roomId: string) => void;
  onClose: () => void;
}) {
  const [roomId, setRoomId] = useState<string>("");
  // biome-ignore lint/correctness/useExhaustiveDependencies: preselect the booked room for each patient
  useEffect(() => {
    setRoomId(visit?.roomId ?? rooms[0]?.id ?? "");
  }, [visit?.appointmentId]);
  return (
    <Modal
      opened={visit !== null}
      onClose={onClose}
      title={visit ? `Room ${visit.patientName}` : ""}
      closeButtonProps={{ "aria-label": "Close" }}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (roomId) onConfirm(roomId);
        }}
      >
        <Stack gap="sm">
          {rooms.length === 0 ? (
            <Text size="sm">This location has no rooms yet: add one under Locations.</Text>
          ) : (
            <Radio.Group label="Room" value={roomId} onChange={setRoomId}>
              <Stack gap={6} mt={6}>
                {rooms.map((room) => (
                  <Radio key={room.id} value={room.id} label={room.name} />
                ))}
              </Stack>
            </Radio.Group>
          )}
          {error ? (
            <Alert color="red" role="alert" variant="light">
              {error}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!roomId}>
              Room
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** "Late…": how many minutes late the patient will be; Salus answers with re-plan proposals. */
export function LateDialog({
  visit,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  visit: BoardVisit | null;
  busy: boolean;
  error: string | null;
  onConfirm: (minutesLate: number) => void;
  onClose: () => void;
}) {
  const [minutes, setMinutes] = useState<string | number>(15);
  const [invalid, setInvalid] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: start from 15 minutes for each patient
  useEffect(() => {
    setMinutes(15);
    setInvalid(false);
  }, [visit?.appointmentId]);
  return (
    <Modal
      opened={visit !== null}
      onClose={onClose}
      title={visit ? `${visit.patientName} is running late` : ""}
      closeButtonProps={{ "aria-label": "Close" }}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const parsed = parseMinutesLate(String(minutes));
          setInvalid(parsed === null);
          if (parsed !== null) onConfirm(parsed);
        }}
      >
        <Stack gap="sm">
          <NumberInput
            label="Minutes late"
            description={
              visit?.maxMinutesLate != null && visit.maxMinutesLate >= 1
                ? `How late the patient expects to arrive: 1 to ${visit.maxMinutesLate} minutes (later, the visit would end after the practitioner's day and the practice's overtime limit: offer a new time instead).`
                : "How late the patient expects to arrive, in minutes."
            }
            value={minutes}
            onChange={(value) => {
              setMinutes(value);
              setInvalid(false);
            }}
            min={1}
            // Never rewrite what was typed: a value past the limit is sent and the server says why not.
            clampBehavior="none"
            allowDecimal={false}
            allowNegative={false}
            error={invalid ? "Enter a whole number of minutes, 1 or more." : undefined}
            data-autofocus
          />
          {error ? (
            <Alert color="red" role="alert" variant="light">
              {error}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Show proposals
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
