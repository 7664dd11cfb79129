import {
  Button,
  EmptyState,
  Group,
  Modal,
  SegmentedControl,
  Spoiler,
  Stack,
  Table,
  Text,
} from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import { type ReactNode, useRef, useState } from "react";
import { LoadError, Loading } from "./QueryState.tsx";

/** One column of an item's summary. */
export interface ReviewColumn<T> {
  header: string;
  cell: (item: T) => ReactNode;
  /** Widest the column grows, in px (long free text). */
  maw?: number;
}

/** A decision that can be taken on an item: a button that opens a dialog with the decision's form. */
export interface ReviewAction<T> {
  /** The button's text ("Decide", "Review"); its accessible name adds the item's name. */
  label: string;
  /** The dialog's title (and accessible name). */
  title: string;
  /** The form; it calls `close` when the decision is recorded or cancelled. */
  form: (item: T, close: () => void) => ReactNode;
}

/** A filter the queue shows above the list; the page keeps its value (in the address, see useUrlState). */
export interface ReviewFilter {
  /** Accessible name of the group of choices ("Status"). */
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
}

export interface ReviewQueueProps<T> {
  /** The queue's accessible name (of its region and table). */
  label: string;
  query: UseQueryResult<{ items: T[] }>;
  itemKey: (item: T) => string;
  /** A short name of an item for the action buttons' accessible names ("Decide: Jane Doe"). */
  itemName: (item: T) => string;
  /** The summary: one cell per column. */
  columns: readonly ReviewColumn<T>[];
  /** Long details (what was done, the full text), folded to a few lines with a "Show all" toggle. */
  details?: { header: string; render: (item: T) => ReactNode };
  /** True while the item still waits for a decision: its actions show; otherwise `outcome` does. */
  awaiting: (item: T) => boolean;
  actions: readonly ReviewAction<T>[];
  /** What was decided, for items no longer awaiting. */
  outcome: (item: T) => ReactNode;
  /** Header of the last column (actions or outcome). */
  decisionHeader: string;
  filters?: readonly ReviewFilter[];
  /** What an empty list says (it may depend on the filters). */
  empty: string;
  /** Words for the count above the list: [one, many] ("request", "requests"). */
  noun?: readonly [string, string];
  /** Below this width the table scrolls sideways instead of squeezing its columns. */
  minWidth?: number;
}

/**
 * A list of items awaiting a decision (amendment requests, emergency-access reviews; later denials and
 * expiring credentials): filters, a count read out when it changes, each item's summary and details,
 * and buttons that open the decision's dialog. Every control is a native button, link or radio, so the
 * queue works from the keyboard; when a decided item leaves the list, focus goes back to the queue
 * rather than to the top of the page.
 */
export function ReviewQueue<T>(props: ReviewQueueProps<T>) {
  const { label, query, filters = [], noun = ["item", "items"] } = props;
  const [open, setOpen] = useState<{ item: T; action: ReviewAction<T> } | null>(null);
  const region = useRef<HTMLDivElement>(null);
  const close = () => setOpen(null);

  let body: ReactNode;
  if (query.isPending) body = <Loading />;
  else if (query.isError) body = <LoadError error={query.error} onRetry={() => void query.refetch()} />;
  else if (query.data.items.length === 0) {
    body = <EmptyState py="xl" title={props.empty} />;
  } else
    body = (
      <QueueTable
        {...props}
        items={query.data.items}
        onAction={(item, action) => setOpen({ item, action })}
      />
    );

  const count = query.data?.items.length;
  return (
    <Stack
      component="section"
      aria-label={label}
      gap="md"
      ref={region}
      tabIndex={-1}
      style={{ outline: "none" }}
    >
      {filters.length > 0 || count !== undefined ? (
        <Group justify="space-between" wrap="wrap">
          <Group gap="md">
            {filters.map((filter) => (
              <SegmentedControl
                key={filter.label}
                aria-label={filter.label}
                value={filter.value}
                onChange={filter.onChange}
                data={filter.options.map((o) => ({ value: o.value, label: o.label }))}
              />
            ))}
          </Group>
          <Text size="sm" c="dimmed" role="status" aria-live="polite">
            {count === undefined ? "" : `${count} ${count === 1 ? noun[0] : noun[1]}`}
          </Text>
        </Group>
      ) : null}
      {body}
      <Modal
        opened={open !== null}
        onClose={close}
        title={open?.action.title}
        onExitTransitionEnd={() => {
          // The button that opened the dialog is gone when the decision removed the item from the list:
          // without this, focus would fall to the page's body and a keyboard user would start over.
          if (!document.activeElement || document.activeElement === document.body) region.current?.focus();
        }}
      >
        {open ? open.action.form(open.item, close) : null}
      </Modal>
    </Stack>
  );
}

function QueueTable<T>({
  label,
  items,
  itemKey,
  itemName,
  columns,
  details,
  awaiting,
  actions,
  outcome,
  decisionHeader,
  minWidth = 860,
  onAction,
}: ReviewQueueProps<T> & { items: T[]; onAction: (item: T, action: ReviewAction<T>) => void }) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped verticalSpacing="sm" aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => (
              <Table.Th key={c.header} scope="col">
                {c.header}
              </Table.Th>
            ))}
            {details ? <Table.Th scope="col">{details.header}</Table.Th> : null}
            <Table.Th scope="col">{decisionHeader}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((item) => (
            <Table.Tr key={itemKey(item)}>
              {columns.map((c) => (
                <Table.Td key={c.header} maw={c.maw}>
                  {c.cell(item)}
                </Table.Td>
              ))}
              {details ? (
                <Table.Td maw={360}>
                  <Spoiler maxHeight={140} showLabel="Show all" hideLabel="Show less">
                    {details.render(item)}
                  </Spoiler>
                </Table.Td>
              ) : null}
              <Table.Td>
                {awaiting(item) ? (
                  <Group gap="xs" wrap="nowrap">
                    {actions.map((action) => (
                      <Button
                        key={action.label}
                        size="xs"
                        aria-label={`${action.label}: ${itemName(item)}`}
                        onClick={() => onAction(item, action)}
                      >
                        {action.label}
                      </Button>
                    ))}
                  </Group>
                ) : (
                  outcome(item)
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
