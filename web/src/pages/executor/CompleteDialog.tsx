import AddAPhotoIcon from "@mui/icons-material/AddAPhoto";
import DeleteIcon from "@mui/icons-material/Delete";
import PhotoIcon from "@mui/icons-material/Photo";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import IconButton from "@mui/material/IconButton";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemIcon from "@mui/material/ListItemIcon";
import ListItemText from "@mui/material/ListItemText";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useId, useRef, useState, type ChangeEvent } from "react";
import { useTranslation } from "react-i18next";

import { checkPhotos, isPhotoType, readPhoto, type PhotoFile } from "./photos";
import { useCompactDialog } from "./useCompactDialog";

interface Props {
  open: boolean;
  onClose: () => void;
  onSubmit: (report: string, photos: PhotoFile[]) => void;
}

export function CompleteDialog({ open, onClose, onSubmit }: Props) {
  const { t, i18n } = useTranslation("executor");
  const titleId = useId();
  const photoInput = useRef<HTMLInputElement>(null);
  const fullScreen = useCompactDialog();
  const reportRef = useRef<HTMLInputElement>(null);
  const [report, setReport] = useState("");
  const [missingReport, setMissingReport] = useState(false);
  const [photos, setPhotos] = useState<PhotoFile[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [reading, setReading] = useState(0);

  const addPhotos = async (event: ChangeEvent<HTMLInputElement>) => {
    const { accepted, refused } = checkPhotos(Array.from(event.target.files ?? []));
    // The same photo may be picked again after removing it.
    event.target.value = "";
    const found = refused.map((refusal) => t(`complete.${refusal.key}`, { name: refusal.name }));
    setReading((count) => count + accepted.length);
    for (const file of accepted) {
      try {
        if (!isPhotoType(file.type)) continue;
        const photo = await readPhoto(file, file.type);
        setPhotos((current) => [...current, photo]);
      } catch {
        found.push(t("complete.photoUnreadable", { name: file.name }));
      } finally {
        setReading((count) => count - 1);
      }
    }
    setProblems(found);
  };

  const submit = () => {
    const text = report.trim();
    if (!text) {
      setMissingReport(true);
      reportRef.current?.focus();
      return;
    }
    onSubmit(text, photos);
    setReport("");
    setPhotos([]);
    setProblems([]);
    setMissingReport(false);
  };

  return (
    <Dialog open={open} onClose={onClose} fullScreen={fullScreen} fullWidth maxWidth="sm" aria-labelledby={titleId}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <DialogTitle id={titleId}>{t("complete.title")}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <TextField
              inputRef={reportRef}
              label={t("complete.report")}
              value={report}
              onChange={(event) => {
                setReport(event.target.value);
                if (event.target.value.trim()) setMissingReport(false);
              }}
              required
              error={missingReport}
              helperText={missingReport ? t("complete.reportRequired") : t("complete.reportHint")}
              multiline
              minRows={4}
              fullWidth
              slotProps={{ htmlInput: { maxLength: 10000 } }}
            />
            <div>
              <input
                ref={photoInput}
                data-testid="photo-input"
                aria-label={t("complete.addPhotos")}
                tabIndex={-1}
                type="file"
                accept="image/*"
                capture="environment"
                multiple
                hidden
                onChange={(event) => {
                  void addPhotos(event);
                }}
              />
              <Button
                onClick={() => {
                  photoInput.current?.click();
                }}
                variant="outlined"
                size="large"
                fullWidth
                startIcon={<AddAPhotoIcon />}
                loading={reading > 0}
                sx={{ minHeight: 56 }}
              >
                {t("complete.addPhotos")}
              </Button>
            </div>
            {problems.map((problem) => (
              <Alert key={problem} severity="error" role="alert">
                {problem}
              </Alert>
            ))}
            <Typography variant="subtitle2" component="h3">
              {t("complete.photos")}
            </Typography>
            {photos.length === 0 ? (
              <Typography color="text.secondary">{t("complete.noPhotos")}</Typography>
            ) : (
              <List dense disablePadding aria-label={t("complete.photos")}>
                {photos.map((photo, index) => (
                  <ListItem
                    key={`${photo.name}-${index}`}
                    disableGutters
                    secondaryAction={
                      <IconButton
                        edge="end"
                        size="large"
                        aria-label={t("complete.removePhoto", { name: photo.name })}
                        onClick={() => {
                          setPhotos((current) => current.filter((_, at) => at !== index));
                        }}
                      >
                        <DeleteIcon />
                      </IconButton>
                    }
                  >
                    <ListItemIcon>
                      <PhotoIcon />
                    </ListItemIcon>
                    <ListItemText primary={photo.name} secondary={t("complete.size", { size: (photo.size / 1024 / 1024).toLocaleString(i18n.language, { maximumFractionDigits: 1 }) })} />
                  </ListItem>
                ))}
              </List>
            )}
          </Stack>
        </DialogContent>
        <DialogActions sx={{ px: 3, pb: 2, gap: 1 }}>
          <Button size="large" onClick={onClose}>
            {t("common.cancel", { ns: "common" })}
          </Button>
          <Button size="large" type="submit" variant="contained" disabled={reading > 0}>
            {t("complete.submit")}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
