import AddPhotoAlternateIcon from "@mui/icons-material/AddPhotoAlternate";
import CloseIcon from "@mui/icons-material/Close";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import IconButton from "@mui/material/IconButton";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useId, useState, type ChangeEvent } from "react";
import { useTranslation } from "react-i18next";

import { PHOTO_TYPES, checkPhotos, type PhotoRefusal } from "./photos";

/** Images to send with a new request; files the API would refuse are named, not added. */
export function PhotoPicker({ photos, onChange }: { photos: File[]; onChange: (photos: File[]) => void }) {
  const { t } = useTranslation("customer");
  const inputId = useId();
  const helpId = useId();
  const [refused, setRefused] = useState<PhotoRefusal[]>([]);

  const pick = (event: ChangeEvent<HTMLInputElement>) => {
    const { accepted, refused: rejected } = checkPhotos(Array.from(event.target.files ?? []));
    setRefused(rejected);
    onChange([...photos, ...accepted]);
    event.target.value = ""; // the same file may be picked again after removing it
  };

  return (
    <Box component="fieldset" sx={{ border: 0, p: 0, m: 0 }} aria-describedby={helpId}>
      <Typography component="legend" variant="subtitle2" sx={{ mb: 1 }}>
        {t("new.photos")}
      </Typography>
      <Typography id={helpId} variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        {t("new.photosHelp")}
      </Typography>
      {/* The button is the one tab stop; the file input it labels stays out of sight. */}
      <Box
        component="input"
        id={inputId}
        type="file"
        accept={PHOTO_TYPES.join(",")}
        multiple
        tabIndex={-1}
        onChange={pick}
        sx={{ position: "absolute", width: 1, height: 1, opacity: 0, overflow: "hidden" }}
      />
      <Button component="label" htmlFor={inputId} variant="outlined" startIcon={<AddPhotoAlternateIcon />}>
        {t("new.addPhotos")}
      </Button>
      {photos.length > 0 && (
        <Stack component="ul" sx={{ listStyle: "none", p: 0, mt: 1, mb: 0 }}>
          {photos.map((photo, index) => (
            <Stack component="li" key={`${photo.name}-${photo.size}-${photo.lastModified}-${index}`} direction="row" sx={{ alignItems: "center", gap: 1 }}>
              <Typography variant="body2" sx={{ overflowWrap: "anywhere" }}>
                {photo.name}
              </Typography>
              <IconButton
                size="small"
                aria-label={t("new.removePhoto", { name: photo.name })}
                onClick={() => { onChange(photos.filter((_, i) => i !== index)); }}
              >
                <CloseIcon fontSize="small" />
              </IconButton>
            </Stack>
          ))}
        </Stack>
      )}
      {refused.map((refusal) => (
        <Alert key={`${refusal.key}-${refusal.name}`} severity="warning" sx={{ mt: 1 }}>
          {t(`errors.${refusal.key}`, { name: refusal.name })}
        </Alert>
      ))}
    </Box>
  );
}
