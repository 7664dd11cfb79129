import { Group, Pagination, Text } from "@mantine/core";

export function Paging({
  total,
  page,
  pageSize,
  onPage,
  noun = "results",
}: {
  total: number;
  page: number;
  pageSize: number;
  onPage: (page: number) => void;
  noun?: string;
}) {
  if (total === 0) return null;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <Group justify="space-between" mt="md" wrap="wrap">
      <Text size="sm" c="dimmed" aria-live="polite">
        {first}–{last} of {total} {noun}
      </Text>
      {pages > 1 ? (
        <Pagination
          total={pages}
          value={page}
          onChange={onPage}
          size="sm"
          getControlProps={(control) => ({
            "aria-label":
              control === "previous" ? "Previous page" : control === "next" ? "Next page" : control,
          })}
          getItemProps={(item) => ({ "aria-label": `Page ${item}` })}
        />
      ) : null}
    </Group>
  );
}
