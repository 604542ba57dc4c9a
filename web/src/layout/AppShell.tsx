import DarkModeIcon from "@mui/icons-material/DarkMode";
import LightModeIcon from "@mui/icons-material/LightMode";
import LogoutIcon from "@mui/icons-material/Logout";
import SensorsIcon from "@mui/icons-material/Sensors";
import SensorsOffIcon from "@mui/icons-material/SensorsOff";
import AppBar from "@mui/material/AppBar";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import IconButton from "@mui/material/IconButton";
import Link from "@mui/material/Link";
import Stack from "@mui/material/Stack";
import Toolbar from "@mui/material/Toolbar";
import Tooltip from "@mui/material/Tooltip";
import Typography from "@mui/material/Typography";
import { Suspense } from "react";
import { useTranslation } from "react-i18next";
import { NavLink, Outlet } from "react-router";

import { useAuth } from "../auth/AuthProvider";
import { navigationFor } from "./navigation";
import { LanguageSwitch } from "./LanguageSwitch";
import { useColorMode } from "../theme/ColorMode";
import { useLiveUpdates } from "../live/useLiveUpdates";
import { PageLoading } from "./PageLoading";

export function AppShell() {
  // Navigation labels come from common, and the reports' from their own namespace.
  const { t } = useTranslation(["common", "reports"]);
  const { user, signOut } = useAuth();
  const { mode, toggle } = useColorMode();
  const live = useLiveUpdates(user?.id ?? null);
  const items = user ? navigationFor(user.role) : [];

  return (
    <Box sx={{ minHeight: "100vh", display: "flex", flexDirection: "column" }}>
      <Link href="#main" className="skip-link" sx={{ position: "absolute", left: -9999, "&:focus": { left: 8, top: 8, zIndex: 2000 } }}>
        {t("app.skip")}
      </Link>
      <AppBar position="sticky" elevation={1}>
        <Toolbar sx={{ gap: 1, flexWrap: "wrap" }}>
          <Typography variant="h6" component="span" sx={{ mr: 2, whiteSpace: "nowrap" }}>
            {t("app.title")}
          </Typography>
          <Box component="nav" aria-label={t("nav.menu")} sx={{ display: "flex", gap: 0.5, flexGrow: 1, flexWrap: "wrap" }}>
            {items.map((item) => (
              <Button key={item.to} component={NavLink} to={item.to} color="inherit" sx={{ "&.active": { textDecoration: "underline", textUnderlineOffset: 6 } }}>
                {t(item.label)}
              </Button>
            ))}
          </Box>
          <Stack direction="row" spacing={0.5} sx={{ alignItems: "center" }}>
            <Tooltip title={live === "connected" ? t("live.connected") : t("live.connecting")}>
              <Box role="status" aria-live="polite" sx={{ display: "flex" }} data-live={live}>
                {live === "connected" ? <SensorsIcon aria-label={t("live.connected")} /> : <SensorsOffIcon aria-label={t("live.connecting")} />}
              </Box>
            </Tooltip>
            <LanguageSwitch />
            <Tooltip title={t("prefs.theme")}>
              <IconButton color="inherit" onClick={toggle} aria-label={mode === "dark" ? t("prefs.light") : t("prefs.dark")}>
                {mode === "dark" ? <LightModeIcon /> : <DarkModeIcon />}
              </IconButton>
            </Tooltip>
            {user && (
              <Tooltip title={`${user.full_name} · ${t(`role.${user.role}`)}`}>
                <IconButton color="inherit" onClick={() => void signOut()} aria-label={t("signIn.signOut")}>
                  <LogoutIcon />
                </IconButton>
              </Tooltip>
            )}
          </Stack>
        </Toolbar>
      </AppBar>
      <Box component="main" id="main" sx={{ flexGrow: 1, p: { xs: 1, sm: 3 } }}>
        <Suspense fallback={<PageLoading />}>
          <Outlet />
        </Suspense>
      </Box>
    </Box>
  );
}
