import Typography from "@mui/material/Typography";

export default function JobsPage() {
  return <Typography component="h1" variant="h5">JobsPage</Typography>;
}
