import CssBaseline from "@mui/material/CssBaseline";
import useMediaQuery from "@mui/material/useMediaQuery";
import { ThemeProvider, type PaletteMode } from "@mui/material/styles";
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";

import { themeFor } from "./theme";

const KEY = "sra.colorMode";
const ColorModeContext = createContext<{ mode: PaletteMode; toggle: () => void }>({ mode: "light", toggle: () => undefined });

export function ColorModeProvider({ children }: { children: ReactNode }) {
  const prefersDark = useMediaQuery("(prefers-color-scheme: dark)");
  const [chosen, setChosen] = useState<PaletteMode | null>(() => {
    const saved = localStorage.getItem(KEY);
    return saved === "dark" || saved === "light" ? saved : null;
  });
  const mode: PaletteMode = chosen ?? (prefersDark ? "dark" : "light");
  const value = useMemo(
    () => ({
      mode,
      toggle: () => {
        const nextMode = mode === "dark" ? "light" : "dark";
        localStorage.setItem(KEY, nextMode);
        setChosen(nextMode);
      },
    }),
    [mode],
  );
  const theme = useMemo(() => themeFor(mode), [mode]);
  return (
    <ColorModeContext.Provider value={value}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        {children}
      </ThemeProvider>
    </ColorModeContext.Provider>
  );
}

export function useColorMode() {
  return useContext(ColorModeContext);
}
