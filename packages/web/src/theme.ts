import { createTheme, NumberInput } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "teal",
  // Darker shade in light mode so links and white-on-teal buttons meet WCAG AA contrast (4.5:1).
  primaryShade: { light: 9, dark: 6 },
  defaultRadius: "md",
  // Visible focus for keyboard users (mouse clicks do not draw the ring).
  focusRing: "auto",
  fontFamily:
    "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', sans-serif",
  components: {
    // A number outside min/max stays as typed (Mantine's default pulls it into range on blur, so an idle
    // timeout of 0 was saved as 1 without a word); the server refuses it with a message under the field.
    NumberInput: NumberInput.extend({ defaultProps: { clampBehavior: "none" } }),
  },
});
