import { createTheme } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "teal",
  // Darker shade in light mode so links and white-on-teal buttons meet WCAG AA contrast (4.5:1).
  primaryShade: { light: 9, dark: 6 },
  defaultRadius: "md",
  // Visible focus for keyboard users (mouse clicks do not draw the ring).
  focusRing: "auto",
  fontFamily:
    "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', sans-serif",
});
