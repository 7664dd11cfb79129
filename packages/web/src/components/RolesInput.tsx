import { MultiSelect } from "@mantine/core";
import { ROLE_LABELS, ROLES, type Role } from "@salus/core/security/permissions";

export function RolesInput({
  value,
  onChange,
  error,
  label = "Roles",
}: {
  value: Role[];
  onChange: (roles: Role[]) => void;
  error?: string | undefined;
  label?: string;
}) {
  return (
    <MultiSelect
      label={label}
      description="Permissions are the union of the roles."
      required
      data={ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }))}
      value={value}
      onChange={(roles) => onChange(roles as Role[])}
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
