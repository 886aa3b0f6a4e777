"""Operations: systemd integration, compatibility commands, system install layout."""
