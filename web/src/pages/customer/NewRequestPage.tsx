import Typography from "@mui/material/Typography";

export default function NewRequestPage() {
  return <Typography component="h1" variant="h5">NewRequestPage</Typography>;
}
