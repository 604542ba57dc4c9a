import { createTheme, type PaletteMode } from "@mui/material/styles";

export function themeFor(mode: PaletteMode) {
  return createTheme({
    palette: {
      mode,
      // Text on a coloured fill is black or white by WCAG AA (4.5:1), not MUI's default 3:1:
      // white on the dark mode's red (a contained "Cancel" button) reads at only 3.7:1.
      contrastThreshold: 4.5,
      primary: { main: mode === "light" ? "#0d47a1" : "#90caf9" },
      secondary: { main: mode === "light" ? "#6a1b9a" : "#ce93d8" },
      // MUI's default info, warning and success fail WCAG AA behind white text in light
      // mode (state chips use them); these shades pass 4.5:1.
      ...(mode === "light"
        ? {
            info: { main: "#01579b" },
            warning: { main: "#a84300" },
            success: { main: "#1b5e20" },
            error: { main: "#b71c1c" },
          }
        : {}),
    },
    shape: { borderRadius: 8 },
    typography: { fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" },
  });
}
