import { createTheme, type PaletteMode } from "@mui/material/styles";

export function themeFor(mode: PaletteMode) {
  return createTheme({
    palette: {
      mode,
      primary: { main: mode === "light" ? "#0d47a1" : "#90caf9" },
      secondary: { main: mode === "light" ? "#6a1b9a" : "#ce93d8" },
    },
    shape: { borderRadius: 8 },
    typography: { fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" },
  });
}
