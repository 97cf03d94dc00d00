# Stage 5: survival (Kaplan-Meier, Cox, left truncation). Rules arrive with the survival work.
