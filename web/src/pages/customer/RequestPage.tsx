import Typography from "@mui/material/Typography";

export default function RequestPage() {
  return <Typography component="h1" variant="h5">RequestPage</Typography>;
}
