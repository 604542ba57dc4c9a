import TranslateIcon from "@mui/icons-material/Translate";
import IconButton from "@mui/material/IconButton";
import Menu from "@mui/material/Menu";
import MenuItem from "@mui/material/MenuItem";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../api/client";
import { unwrap } from "../api/problem";
import { useAuth } from "../auth/AuthProvider";
import { notices } from "../feedback/notices";
import { applyLocale, LANGUAGES, type Language } from "../i18n";

const NAMES: Record<Language, string> = { ru: "Русский", en: "English" };

/** The language is the account's setting (emails and the bot follow it too), not the tab's. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const { user, setUser } = useAuth();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);

  async function choose(language: Language) {
    setAnchor(null);
    await applyLocale(language);
    if (!user) return;
    try {
      setUser(unwrap(await api.PATCH("/auth/me", { body: { locale: language } })));
    } catch (error) {
      notices.error(error);
    }
  }

  return (
    <>
      <IconButton color="inherit" aria-label={t("prefs.language")} aria-haspopup="menu" onClick={(e) => { setAnchor(e.currentTarget); }}>
        <TranslateIcon />
      </IconButton>
      <Menu anchorEl={anchor} open={anchor !== null} onClose={() => { setAnchor(null); }}>
        {LANGUAGES.map((language) => (
          <MenuItem key={language} selected={i18n.language === language} lang={language} onClick={() => void choose(language)}>
            {NAMES[language]}
          </MenuItem>
        ))}
      </Menu>
    </>
  );
}
