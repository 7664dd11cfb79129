import { TextInput } from "@mantine/core";

/** A 6-digit one-time code from an authenticator app. */
export function CodeInput({
  value,
  onChange,
  error,
  label = "6-digit code",
}: {
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
  label?: string;
}) {
  return (
    <TextInput
      label={label}
      description="From your authenticator app"
      value={value}
      onChange={(event) => onChange(event.currentTarget.value.replace(/\D/g, "").slice(0, 6))}
      error={error ?? undefined}
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9]{6}"
      maxLength={6}
      required
      data-autofocus
      autoFocus
      styles={{ input: { letterSpacing: "0.3em", fontVariantNumeric: "tabular-nums" } }}
    />
  );
}
